// The PostgreSQL connection pool (for CLAUDEGATE_DATABASE_URL, which the gateway does not read yet: issue 12). Three promises the rest of the store relies on:
// - BIGINT (epoch ms, counters) and NUMERIC (what SUM over BIGINT returns) come back as JS numbers, not strings;
//   a value that a number cannot hold exactly fails its query instead of being silently rounded.
// - Nothing waits without a bound: getting a connection, a statement on the server, the reply on the socket, and
//   a transaction left idle by a stalled process all have limits.
// - An error on an idle client (the server restarted, the network dropped) is logged, never thrown: pg emits it
//   on the pool, and an 'error' event without a listener would crash the process.
import pg from "pg";
import { log } from "../../log";

export interface PoolOptions {
  /** Connections at most (per gateway instance). */
  max?: number;
  /** Connecting, including waiting for a free pooled client. */
  connectTimeoutMs?: number;
  /** Server-side bound on one statement (statement_timeout); a statement waiting on a lock counts too. */
  statementTimeoutMs?: number;
  /** Server-side bound on a session idle inside a transaction, so a stalled process cannot hold row locks. */
  idleInTransactionTimeoutMs?: number;
}

export const POOL_DEFAULTS = {
  max: 10,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 10_000,
  idleInTransactionTimeoutMs: 30_000,
} as const satisfies Required<PoolOptions>;

// Time the client allows for a reply beyond the server's own statement_timeout: covers a peer that vanished
// without closing the socket, where the server-side timeout can never reach us.
const REPLY_MARGIN_MS = 2_000;

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const o = { ...POOL_DEFAULTS, ...options };
  const pool = new pg.Pool({
    connectionString: url,
    max: o.max,
    connectionTimeoutMillis: o.connectTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    query_timeout: o.statementTimeoutMs + REPLY_MARGIN_MS,
    idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: "claudegate",
    types: NUMERIC_TYPES,
  });
  pool.on("error", (err) => log("warn", "postgres idle client error", { error: err.message }));
  return pool;
}

// Built-in type oids (pg_type): the pool's parsers, set per pool rather than through pg.types.setTypeParser,
// which would change every pg client in the process.
export const INT8_OID = 20;
export const NUMERIC_OID = 1700;

export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BIGINT ${text} does not fit a JavaScript number exactly`);
  return n;
}

/** NUMERIC as a number: integers must be exact (sums of BIGINT); a fraction becomes the nearest double. */
export function parseNumeric(text: string): number {
  const n = Number(text);
  if (Number.isNaN(n) && text !== "NaN") throw new RangeError(`NUMERIC ${text} is not a number`);
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(n)) {
    throw new RangeError(`NUMERIC ${text} does not fit a JavaScript number exactly`);
  }
  return n;
}

const NUMERIC_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (format !== "binary") {
      if (oid === INT8_OID) return parseInt8;
      if (oid === NUMERIC_OID) return parseNumeric;
    }
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;
