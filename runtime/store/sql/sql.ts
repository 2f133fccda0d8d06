// The one way the store talks to its database, whichever engine it is: every statement is awaited, and a
// transaction is a callback given its own handle. SQL is written once, with `?` or `@name` placeholders; the
// PostgreSQL implementation numbers them. Where the two dialects differ, runtime/store/sql/dialect.ts gives the
// fragment for each.
/** The engines the store runs on: SQLite (embedded, one gateway) and PostgreSQL (CLAUDEGATE_DATABASE_URL, a cluster). */
export const DIALECTS = ["sqlite", "postgres"] as const;
export type Dialect = (typeof DIALECTS)[number];

/** Positional (`?`) or named (`@name`) parameters. Booleans are stored as 1/0, undefined as NULL. */
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface Sql {
  readonly dialect: Dialect;
  /** Every row. */
  all<T>(text: string, params?: Params): Promise<T[]>;
  /** The first row, if any. */
  get<T>(text: string, params?: Params): Promise<T | undefined>;
  /** The first column of the first row, if any. */
  value<T>(text: string, params?: Params): Promise<T | undefined>;
  /** Runs a statement; how many rows it changed. */
  run(text: string, params?: Params): Promise<number>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Statements of the
   * transaction go through the handle it is given; inside one, `transaction` makes a savepoint.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

/** A database the gateway owns: the Sql handle and how to close it. */
export interface Database {
  sql: Sql;
  close(): Promise<void>;
}

/** A value as the drivers take it: booleans as 1/0 (both store INTEGER), undefined as NULL. */
export function toDriverValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}
