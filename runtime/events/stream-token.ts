// Signed, expiring stream URLs: `?token=<expiry>.<signature>` lets `new EventSource(url)` read one job's
// stream without headers. The signature (HMAC-SHA256 with the gateway's stream secret) covers the job id, the
// expiry and the purpose, so a token opens nothing but that job's stream, and only until it expires.
import { createHmac, timingSafeEqual } from "node:crypto";

export class StreamTokens {
  constructor(
    private readonly secret: string,
    private readonly ttlMs: number,
  ) {}

  mint(jobId: string, now = Date.now()): string {
    const exp = Math.floor((now + this.ttlMs) / 1000);
    return `${exp}.${this.sign(jobId, exp)}`;
  }

  verify(jobId: string, token: string, now = Date.now()): boolean {
    const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return false;
    const exp = Number(m[1]);
    if (exp * 1000 <= now) return false;
    const want = Buffer.from(this.sign(jobId, exp));
    return timingSafeEqual(want, Buffer.from(m[2]!));
  }

  private sign(jobId: string, exp: number): string {
    return createHmac("sha256", this.secret).update(`stream:${jobId}:${exp}`).digest("base64url");
  }
}

export function jobUrls(jobId: string, tokens: StreamTokens): { get: string; cancel: string; stream: string } {
  const base = `/api/v1/jobs/${encodeURIComponent(jobId)}`;
  return { get: base, cancel: `${base}/cancel`, stream: `${base}/sse?token=${tokens.mint(jobId)}` };
}
