// The few places where SQLite and PostgreSQL spell the same thing differently, as SQL fragments.
import type { Dialect } from "./sql";

/** The larger of two values (SQLite's scalar MAX, PostgreSQL's GREATEST). */
export const greatest = (d: Dialect, a: string, b: string) => (d === "sqlite" ? `MAX(${a}, ${b})` : `GREATEST(${a}, ${b})`);

/** A number inside a JSON text column, by a path of keys (NULL when absent). */
export function jsonNumber(d: Dialect, column: string, path: string[]): string {
  return d === "sqlite" ? `json_extract(${column}, '$.${path.join(".")}')` : `(${column}::jsonb #>> '{${path.join(",")}}')::numeric`;
}

/** Size in bytes of a BLOB / BYTEA column. */
export const byteLength = (d: Dialect, column: string) => (d === "sqlite" ? `length(${column})` : `octet_length(${column})`);

/** `?, ?, ?` for a list of n parameters (n ≥ 1: SQL has no empty list). */
export const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

/** Row lock for a claim: PostgreSQL skips rows another instance is claiming; SQLite has one writer. */
export const skipLocked = (d: Dialect) => (d === "postgres" ? "FOR UPDATE SKIP LOCKED" : "");

/** The database's clock in epoch milliseconds: leases are judged by one clock, not each instance's. */
export const clockMs = (d: Dialect) =>
  d === "sqlite" ? `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)` : `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
