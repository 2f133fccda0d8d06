// CLAUDEGATE_RATE_LIMIT: submits per second per API key (the original keyed on a client-supplied header).
// A token bucket per key: N requests at once, then one every 1/N s, as golang.org/x/time/rate with burst N.

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number) {}

  /** 0 when allowed; otherwise the seconds to wait before the next request would pass. */
  take(key: string, now = Date.now()): number {
    if (this.perSecond <= 0) return 0;
    const b = this.buckets.get(key) ?? { tokens: this.perSecond, at: now };
    b.tokens = Math.min(this.perSecond, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.perSecond);
  }
}
