// The SSRF rules, on the address check itself, with a stubbed resolver and a stubbed connector that only
// record what would be dialled: nothing here opens a connection.
import { describe, expect, it } from "vitest";
import { AddressPolicy, type ResolvedAddress } from "../../../runtime/webhooks/address-policy";
import { attemptDelivery, type DialRequest, type Dialer } from "../../../runtime/webhooks/dial";
import { nextStep, retryAfterMs } from "../../../runtime/webhooks/retry-policy";

function stubDialer(answers: Record<string, ResolvedAddress[][]>, status = 200) {
  const resolved: string[] = [];
  const dialled: DialRequest[] = [];
  const dialer: Dialer = {
    async resolve(host) {
      resolved.push(host);
      const queue = answers[host];
      if (!queue?.length) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
      return queue.length > 1 ? queue.shift()! : queue[0]!;
    },
    async request(req) {
      dialled.push(req);
      return { statusCode: status };
    },
  };
  return { dialer, resolved, dialled };
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });
const send = (url: string, d: Dialer, policy = new AddressPolicy([])) => attemptDelivery(url, "{}", {}, policy, d, 1000);

describe("callback address checks", () => {
  it.each([
    ["http://127.0.0.1/cb", "loopback"],
    ["http://10.0.0.1/cb", "private"],
    ["http://169.254.169.254/latest/meta-data", "linkLocal"],
    ["http://100.64.0.1/cb", "carrierGradeNat"],
    ["http://192.0.0.1/cb", "reserved"],
    ["http://198.18.0.1/cb", "reserved"],
    ["http://0.0.0.0/cb", "unspecified"],
    ["http://255.255.255.255/cb", "broadcast"],
    ["http://224.0.0.1/cb", "multicast"],
    ["http://[::1]/cb", "loopback"],
    ["http://[::]/cb", "unspecified"],
    // IPv4-mapped and IPv4-compatible: judged by the IPv4 address they carry.
    ["http://[::ffff:127.0.0.1]/cb", "loopback"],
    ["http://[::127.0.0.1]/cb", "loopback"],
    ["http://[::10.0.0.1]/cb", "private"],
    // Translation forms: ranges of their own, never dialled.
    ["http://[64:ff9b::7f00:1]/cb", "rfc6052"],
    ["http://[2002:7f00:1::]/cb", "6to4"],
    ["http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/cb", "teredo"],
    ["http://[fe80::1]/cb", "linkLocal"],
    ["http://[fc00::1]/cb", "uniqueLocal"],
    ["http://[fd00::1]/cb", "uniqueLocal"],
    ["http://[ff02::1]/cb", "multicast"],
    // Outside 2000::/3: not allocated as global unicast, although ipaddr.js names no range for it.
    ["http://[4000::1]/cb", "notGlobalUnicast"],
  ])("refuses %s (%s) without dialling", async (url, range) => {
    const s = stubDialer({});
    const out = await send(url, s.dialer);
    expect(out.kind).toBe("refused");
    expect((out as { reason: string }).reason).toContain(`is not allowed (${range})`);
    expect(s.dialled).toEqual([]);
  });

  it.each([
    ["http://93.184.216.34/cb", v4("93.184.216.34")],
    ["http://[2606:4700:4700::1111]/cb", v6("2606:4700:4700::1111")],
  ])("dials the public address %s", async (url, dial) => {
    const s = stubDialer({});
    expect(await send(url, s.dialer)).toEqual({ kind: "response", statusCode: 200 });
    expect(s.dialled.map((d) => d.dial)).toEqual([dial]);
  });

  it("does not tell what a refused host name resolves to", async () => {
    const s = stubDialer({ localhost: [[v4("127.0.0.1"), v6("::1")]], "db.internal.example.com": [[v4("10.9.8.7")]] });
    const local = await send("http://localhost:8080/cb", s.dialer);
    const internal = await send("http://db.internal.example.com/cb", s.dialer);
    expect(local).toEqual({
      kind: "refused",
      reason: "callback host localhost is not allowed (resolves to a non-public address); list it in CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS to allow it",
    });
    expect((internal as { reason: string }).reason).not.toContain("10.9.8.7");
    expect((internal as { reason: string }).reason).not.toContain("private");
    expect(s.dialled).toEqual([]);
  });

  it("refuses localhost and a name that resolves to a private address", async () => {
    const s = stubDialer({ localhost: [[v4("127.0.0.1"), v6("::1")]], "internal.example.com": [[v4("10.1.2.3")]] });
    expect((await send("http://localhost:8080/cb", s.dialer)).kind).toBe("refused");
    expect((await send("https://internal.example.com/cb", s.dialer)).kind).toBe("refused");
    expect(s.dialled).toEqual([]);
  });

  it("refuses a name when any of its addresses is private", async () => {
    const s = stubDialer({ "mixed.example.com": [[v4("93.184.216.34"), v4("192.168.1.1")]] });
    expect((await send("https://mixed.example.com/cb", s.dialer)).kind).toBe("refused");
    expect(s.dialled).toEqual([]);
  });

  it("resolves once and dials the checked address, keeping the name for Host and SNI (no rebinding)", async () => {
    // A rebinding resolver: public on the first answer, loopback on any later one.
    const s = stubDialer({ "rebind.example.com": [[v4("93.184.216.34")], [v4("127.0.0.1")]] });
    const out = await send("https://rebind.example.com:8443/hook?x=1", s.dialer);
    expect(out).toEqual({ kind: "response", statusCode: 200 });
    expect(s.resolved).toEqual(["rebind.example.com"]);
    expect(s.dialled).toHaveLength(1);
    expect(s.dialled[0]!.dial).toEqual(v4("93.184.216.34"));
    expect(s.dialled[0]!.url.hostname).toBe("rebind.example.com");
  });

  it("does not follow a redirect: a 3xx is a failed attempt", async () => {
    const s = stubDialer({ "public.example.com": [[v4("93.184.216.34")]] }, 302);
    const out = await send("https://public.example.com/cb", s.dialer);
    expect(out).toEqual({ kind: "response", statusCode: 302 });
    expect(s.dialled).toHaveLength(1);
    expect(nextStep(out, 1, 3, [1000]).state).toBe("pending");
  });

  it("lets the operator allow hosts, IPs and CIDRs", async () => {
    const policy = new AddressPolicy(["10.0.0.0/8", "hooks.internal", "::1", "127.0.0.1"]);
    const s = stubDialer({ "hooks.internal": [[v4("192.168.5.5")]] });
    expect((await send("http://10.20.30.40/cb", s.dialer, policy)).kind).toBe("response");
    expect((await send("http://hooks.internal/cb", s.dialer, policy)).kind).toBe("response");
    expect((await send("http://[::1]:9/cb", s.dialer, policy)).kind).toBe("response");
    expect((await send("http://[::ffff:127.0.0.1]:9/cb", s.dialer, policy)).kind).toBe("response");
    expect((await send("http://[::127.0.0.1]:9/cb", s.dialer, policy)).kind).toBe("response");
    expect((await send("http://127.0.0.2/cb", s.dialer, policy)).kind).toBe("refused");
    expect(() => new AddressPolicy(["not a host!"])).toThrow();
  });

  it("reports a failed lookup as a retryable error", async () => {
    const s = stubDialer({});
    expect(await send("https://nowhere.example.com/cb", s.dialer)).toEqual({ kind: "error", error: "DNS lookup of nowhere.example.com failed: ENOTFOUND" });
  });
});

describe("retry policy", () => {
  const schedule = [5000, 30000];
  it("delivers on 2xx, gives up on 410 and other permanent 4xx, and after the last attempt", () => {
    expect(nextStep({ kind: "response", statusCode: 204 }, 1, 9, schedule)).toEqual({ state: "delivered" });
    expect(nextStep({ kind: "response", statusCode: 410 }, 1, 9, schedule)).toMatchObject({ state: "failed", reason: "receiver answered 410 Gone" });
    expect(nextStep({ kind: "response", statusCode: 404 }, 1, 9, schedule).state).toBe("failed");
    expect(nextStep({ kind: "response", statusCode: 500 }, 9, 9, schedule)).toMatchObject({ state: "failed", reason: "gave up after 9 attempts" });
  });

  it("backs off along the schedule with jitter, and honours Retry-After on 429 and 503", () => {
    const now = 1_000_000;
    const lo = nextStep({ kind: "error", error: "x" }, 2, 9, schedule, now, () => 0);
    const hi = nextStep({ kind: "response", statusCode: 500 }, 2, 9, schedule, now, () => 1);
    expect(lo).toEqual({ state: "pending", at: now + 24000 });
    expect(hi).toEqual({ state: "pending", at: now + 36000 });
    expect(nextStep({ kind: "response", statusCode: 429, retryAfter: "7" }, 1, 9, schedule, now)).toEqual({ state: "pending", at: now + 7000 });
    expect(nextStep({ kind: "response", statusCode: 503, retryAfter: new Date(now + 60_000).toUTCString() }, 1, 9, schedule, now).state).toBe("pending");
    expect(retryAfterMs("soon")).toBeUndefined();
  });
});
