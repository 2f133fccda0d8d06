// API keys: `X-API-Key: <key>` as the original, or `Authorization: Bearer <key>`. Keys are compared as
// SHA-256 digests with timingSafeEqual, against every configured key, so neither the length nor the position
// of a near-match shows in the timing.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

const digest = (s: string) => createHash("sha256").update(s).digest();

export class KeyChecker {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** The key a request presents, or undefined. */
  static presented(headers: IncomingHttpHeaders): string | undefined {
    const x = headers["x-api-key"];
    if (typeof x === "string" && x !== "") return x;
    const auth = headers.authorization;
    const m = typeof auth === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
    return m?.[1];
  }

  matches(key: string): boolean {
    const d = digest(key);
    let ok = false;
    for (const k of this.digests) ok = timingSafeEqual(d, k) || ok;
    return ok;
  }
}
