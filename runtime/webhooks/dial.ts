// One delivery attempt: resolve the callback host once, judge every address, then connect to the checked
// address itself (a pinned lookup), so a second DNS answer cannot rebind the request to an internal address.
// The Host header and TLS SNI still carry the URL's own name. Redirects are never followed.
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { AddressPolicy, ResolvedAddress } from "./address-policy";

export interface DialRequest {
  url: URL;
  dial: ResolvedAddress;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface DialResponse {
  statusCode: number;
  retryAfter?: string;
}

/** The network edge, replaceable in tests (which must dial nothing but loopback). */
export interface Dialer {
  resolve(host: string): Promise<ResolvedAddress[]>;
  request(req: DialRequest): Promise<DialResponse>;
}

export type AttemptOutcome =
  | { kind: "response"; statusCode: number; retryAfter?: string }
  | { kind: "refused"; reason: string }
  | { kind: "error"; error: string };

export async function attemptDelivery(
  url: string,
  body: string,
  headers: Record<string, string>,
  policy: AddressPolicy,
  dialer: Dialer,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { kind: "refused", reason: "callback_url is not a valid URL" };
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return { kind: "refused", reason: "callback_url must be http or https" };
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) as 4 | 6 }];
  } else {
    try {
      addresses = await dialer.resolve(host);
    } catch (err) {
      return { kind: "error", error: `DNS lookup of ${host} failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
  }
  const verdict = policy.check(host, addresses);
  if (!verdict.ok) return { kind: "refused", reason: verdict.reason };
  try {
    const res = await dialer.request({ url: u, dial: verdict.dial, headers, body, timeoutMs });
    return { kind: "response", ...res };
  } catch (err) {
    return { kind: "error", error: (err as Error).message };
  }
}

/** The real network. */
export const networkDialer: Dialer = {
  async resolve(host) {
    const all = await dnsLookup(host, { all: true, verbatim: true });
    return all.map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  },

  request({ url, dial, headers, body, timeoutMs }) {
    return new Promise((resolve, reject) => {
      const mod = url.protocol === "https:" ? https : http;
      const req = mod.request(url, {
        method: "POST",
        headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
        agent: false, // a fresh connection to the checked address, never a pooled one
        servername: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        lookup: ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) =>
          opts?.all ? cb(null, [dial]) : cb(null, dial.address, dial.family)) as never,
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      req.on("response", (res) => {
        res.resume(); // the body is not ours to keep
        res.on("end", () => clearTimeout(timer));
        res.on("error", () => clearTimeout(timer));
        const ra = res.headers["retry-after"];
        resolve({ statusCode: res.statusCode ?? 0, retryAfter: typeof ra === "string" ? ra : undefined });
      });
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(body);
    });
  },
};
