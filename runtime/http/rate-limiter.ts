// CLAUDEGATE_RATE_LIMIT: submits per second per API key (the original keyed on a client-supplied header).
// A token bucket per key: N requests at once, then one every 1/N s, as golang.org/x/time/rate with burst N.
// One gateway keeps the buckets in memory; several instances on PostgreSQL share one row per key
// (runtime/http/shared-rate-limiter.ts), so the rate holds for the cluster, not per instance.

export interface RateLimiter {
  /**
   * 0 when allowed; otherwise the seconds to wait before the next request would pass. `perSecond` overrides
   * the gateway's rate for this key (a tenant key's policy).
   */
  take(key: string, now?: number, perSecond?: number): Promise<number>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number) {}

  async take(key: string, now = Date.now(), perSecond = this.perSecond): Promise<number> {
    return this.takeNow(key, now, perSecond);
  }

  takeNow(key: string, now = Date.now(), perSecond = this.perSecond): number {
    if (perSecond <= 0) return 0;
    const b = this.buckets.get(key) ?? { tokens: perSecond, at: now };
    b.tokens = Math.min(perSecond, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / perSecond);
  }
}
