// Moves the rows of one SELECT on SQLite into one PostgreSQL table in multi-row INSERTs, holding one batch at a
// time: the SQLite statement is iterated (never read whole), and a batch is sent when it reaches `rows` rows or
// `bytes` bytes of values, whichever comes first (a session transcript or a workspace file can be megabytes, so a
// row count alone would not bound memory). BLOBs arrive as Buffers, which pg sends as BYTEA.
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";

export interface BatchBounds {
  rows: number;
  bytes: number;
}

export const BATCH_BOUNDS: BatchBounds = { rows: 500, bytes: 8 * 1024 * 1024 };

// PostgreSQL's wire protocol numbers bind parameters with 16 bits.
const MAX_PARAMS = 65_535;

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export interface RowCopy {
  table: string;
  columns: string[];
  /** Reads the rows from SQLite, its columns in `columns` order. */
  select: string;
  /** After VALUES: an ON CONFLICT clause, or "". */
  suffix?: string;
}

/** Returns the number of rows copied; `onBatch` hears the running total after each batch. */
export async function copyRows(
  sqlite: BetterSqlite3.Database,
  pg: pg.ClientBase,
  copy: RowCopy,
  bounds: BatchBounds,
  onBatch: (copied: number) => void,
): Promise<number> {
  const width = copy.columns.length;
  const maxRows = Math.max(1, Math.min(bounds.rows, Math.floor(MAX_PARAMS / width)));
  const head = `INSERT INTO ${quote(copy.table)} (${copy.columns.map(quote).join(", ")}) VALUES `;
  let values: unknown[] = [];
  let bytes = 0;
  let copied = 0;
  const send = async () => {
    const n = values.length / width;
    const tuples = Array.from({ length: n }, (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(", ")})`);
    const text = head + tuples.join(", ") + (copy.suffix ? ` ${copy.suffix}` : "");
    // A full batch always has the same text: a named statement is parsed and planned once per table.
    try {
      await pg.query(n === maxRows ? { name: `copy_${copy.table}_${n}`, text, values } : { text, values });
    } catch (e) {
      // Say where: PostgreSQL refuses some values SQLite keeps (a NUL character in TEXT, for one).
      throw new Error(`table ${copy.table}, rows ${copied + 1}-${copied + n}: ${(e as Error).message}`, { cause: e });
    }
    copied += n;
    values = [];
    bytes = 0;
    onBatch(copied);
  };
  for (const row of sqlite.prepare(copy.select).raw().iterate() as IterableIterator<unknown[]>) {
    for (const v of row) {
      values.push(v);
      bytes += typeof v === "string" ? v.length : Buffer.isBuffer(v) ? v.byteLength : 8;
    }
    if (values.length / width >= maxRows || bytes >= bounds.bytes) await send();
  }
  if (values.length) await send();
  return copied;
}
