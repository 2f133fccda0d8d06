// Which addresses a callback may reach. An allow-list: only globally routable unicast addresses are dialled,
// unless the operator lists a host, an IP or a CIDR in CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS (for receivers on an
// internal network). Ranges come from ipaddr.js. An IPv6 address that carries an IPv4 one the kernel may reach
// directly, IPv4-mapped (::ffff:127.0.0.1) or IPv4-compatible (::127.0.0.1), is judged as that IPv4 address;
// the translation forms (NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32) are ranges of their own and so
// never "unicast".
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Verdict = { ok: true; dial: ResolvedAddress } | { ok: false; reason: string };

const ALLOW_HINT = "list it in CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS to allow it";

/** 2000::/3, the only IPv6 block IANA allocates for global unicast; ipaddr.js calls anything unlisted "unicast". */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3") as [ipaddr.IPv6, number];

export class AddressPolicy {
  private readonly hosts = new Set<string>();
  private readonly cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  /** Throws on an entry that is neither a host name, an IP nor a CIDR. */
  constructor(allowed: readonly string[]) {
    for (const raw of allowed) {
      const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
      if (entry.includes("/")) {
        this.cidrs.push(ipaddr.parseCIDR(entry));
      } else if (ipaddr.isValid(entry)) {
        const addr = normalise(ipaddr.parse(entry));
        this.cidrs.push([addr, addr.kind() === "ipv4" ? 32 : 128]);
      } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(entry)) {
        this.hosts.add(entry.replace(/\.$/, ""));
      } else {
        throw new Error(`"${raw}" is not a host name, an IP address or a CIDR`);
      }
    }
  }

  /**
   * Judges a host and every address it resolved to: all must be allowed (one private answer is enough to
   * refuse, or a second lookup could pick it). The first address is the one to dial. A refusal names the
   * address only when the client wrote it in the URL: what an internal name resolves to is not theirs to learn.
   */
  check(host: string, addresses: readonly ResolvedAddress[]): Verdict {
    if (addresses.length === 0) return { ok: false, reason: `${host} resolved to no address` };
    const hostAllowed = this.hosts.has(host.toLowerCase().replace(/\.$/, ""));
    for (const a of addresses) {
      if (hostAllowed || this.allowsAddress(a.address)) continue;
      const range = rangeOf(a.address);
      if (range === "unicast") continue;
      const reason = isIP(host)
        ? `callback host ${host} is not allowed (${range}); ${ALLOW_HINT}`
        : `callback host ${host} is not allowed (resolves to a non-public address); ${ALLOW_HINT}`;
      return { ok: false, reason };
    }
    return { ok: true, dial: addresses[0]! };
  }

  private allowsAddress(address: string): boolean {
    if (!ipaddr.isValid(address)) return false;
    const addr = normalise(ipaddr.parse(address));
    return this.cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net as never, bits));
  }
}

/** An IPv6 address that stands for an IPv4 one (mapped or compatible) as that IPv4 address; others as they are. */
function normalise(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (addr.kind() === "ipv4") return addr;
  const v6 = addr as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  // ::a.b.c.d (::/96), except :: and ::1, which are the unspecified and loopback addresses of IPv6 itself.
  const p = v6.parts;
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7]! > 1)) return ipaddr.fromByteArray(v6.toByteArray().slice(12));
  return v6;
}

/**
 * "unicast" for an address callbacks may reach (public IPv4; IPv6 only inside 2000::/3), else the reason:
 * ipaddr.js's range name (loopback, private, linkLocal, rfc6052, 6to4, teredo, ...) or "notGlobalUnicast".
 */
export function rangeOf(address: string): string {
  if (!ipaddr.isValid(address)) return "invalid";
  const addr = normalise(ipaddr.parse(address));
  const range = addr.range();
  if (range === "unicast" && addr.kind() === "ipv6" && !(addr as ipaddr.IPv6).match(GLOBAL_UNICAST_V6)) return "notGlobalUnicast";
  return range;
}
