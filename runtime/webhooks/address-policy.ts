// Which addresses a callback may reach. Only public unicast addresses, unless the operator lists a host, an
// IP or a CIDR in CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS (for receivers on an internal network). Ranges come from
// ipaddr.js, and IPv4-mapped IPv6 forms (::ffff:127.0.0.1) are judged as the IPv4 address they are.
import ipaddr from "ipaddr.js";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Verdict = { ok: true; dial: ResolvedAddress } | { ok: false; reason: string };

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
   * refuse, or a second lookup could pick it). The first address is the one to dial.
   */
  check(host: string, addresses: readonly ResolvedAddress[]): Verdict {
    if (addresses.length === 0) return { ok: false, reason: `${host} resolved to no address` };
    const hostAllowed = this.hosts.has(host.toLowerCase().replace(/\.$/, ""));
    for (const a of addresses) {
      if (hostAllowed || this.allowsAddress(a.address)) continue;
      const range = rangeOf(a.address);
      if (range !== "unicast") {
        return {
          ok: false,
          reason: `callback host ${host} resolves to ${a.address} (${range}), which callbacks may not reach; ` +
            "list it in CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS to allow it",
        };
      }
    }
    return { ok: true, dial: addresses[0]! };
  }

  private allowsAddress(address: string): boolean {
    const addr = normalise(ipaddr.parse(address));
    return this.cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net as never, bits));
  }
}

function normalise(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

/** ipaddr.js's range name: "unicast" for ordinary public addresses, else loopback, private, linkLocal, ... */
export function rangeOf(address: string): string {
  if (!ipaddr.isValid(address)) return "invalid";
  return normalise(ipaddr.parse(address)).range();
}
