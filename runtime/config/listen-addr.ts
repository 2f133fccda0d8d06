// Parses CLAUDEGATE_LISTEN_ADDR. The original took any Go listen address; we accept the three forms people
// actually write (":8080", "127.0.0.1:8080", "[::1]:8080") and port 0 for "pick a free port".
export interface ListenAddr {
  /** undefined means every interface, as Go's ":8080" does. */
  host: string | undefined;
  port: number;
}

export function parseListenAddr(value: string): ListenAddr {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  if (!match) throw new Error('must look like ":PORT", "HOST:PORT" or "[IPv6]:PORT"');
  const port = Number(match[3]);
  if (port > 65535) throw new Error("port must be between 0 and 65535");
  const host = match[1] ?? (match[2] || undefined);
  return { host, port };
}

/** True when only this machine can reach the address: the condition for running without configured API keys. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Parses CLAUDEGATE_METRICS_ADDR: the same forms, plus a bare port. A port alone (":9464" or "9464") means
 * loopback, since that listener has no key: exposing it takes an explicit host such as "0.0.0.0:9464".
 */
export function parseMetricsAddr(value: string): ListenAddr {
  const addr = parseListenAddr(/^\d+$/.test(value) ? `:${value}` : value);
  return { host: addr.host ?? "127.0.0.1", port: addr.port };
}
