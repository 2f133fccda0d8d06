// A gateway's database as a test reads it from outside, on either backend: the SQLite file (better-sqlite3,
// beside the running gateway: WAL mode lets a reader in) or the PostgreSQL database it was handed
// (GatewayProcess.database). For tests that check rows the API does not show (a delete's cascade, the TTL cleanup)
// or age a row before a restart. SQL is written once with `?` placeholders, in the dialect both engines share;
// for PostgreSQL they become $1, $2, ... (naively: no `?` inside a literal). BIGINT comes back as a number.
//
//   const n = await withDatabase(gw, (db) => db.value<number>("SELECT COUNT(*) FROM job_events WHERE job_id = ?", id));
import Database from "better-sqlite3";
import pg from "pg";
import type { GatewayProcess } from "./gateway-process";

export interface TestDatabase {
  all<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  /** The first column of the first row (a COUNT, a status). */
  value<T = unknown>(sql: string, ...params: unknown[]): Promise<T>;
  run(sql: string, ...params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

type Where = GatewayProcess["database"];

/** Opens the gateway's database; `readonly` (the default) for SQLite, where a writer must wait for the gateway to stop. */
export async function openDatabase(where: Where | GatewayProcess, { readonly = true } = {}): Promise<TestDatabase> {
  const db = "database" in where ? where.database : where;
  return db.backend === "sqlite" ? openSqlite(db.path, readonly) : openPostgres(db.url);
}

/** Opens, runs `work`, closes (also when `work` throws). */
export async function withDatabase<T>(where: Where | GatewayProcess, work: (db: TestDatabase) => Promise<T>, opts?: { readonly?: boolean }): Promise<T> {
  const db = await openDatabase(where, opts);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

function openSqlite(path: string, readonly: boolean): TestDatabase {
  const db = new Database(path, { readonly, fileMustExist: true });
  return {
    all: async <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T | undefined,
    value: async <T>(sql: string, ...params: unknown[]) => db.prepare(sql).pluck().get(...params) as T,
    run: async (sql: string, ...params: unknown[]) => void db.prepare(sql).run(...params),
    close: async () => void db.close(),
  };
}

const INT8 = 20;
const NUMERIC = 1700;

// As the gateway's own pool (runtime/store/pg/pool.ts) does: epoch-ms BIGINTs and counts as numbers, not strings.
const types = {
  getTypeParser: (oid: number, format?: "text" | "binary") => {
    if (oid === INT8) return (v: string) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n)) throw new Error(`test database: ${v} is not a safe integer`);
      return n;
    };
    if (oid === NUMERIC) return Number;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

async function openPostgres(url: string): Promise<TestDatabase> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, types });
  client.on("error", () => {}); // a server going away mid-test fails the next query, not the process
  await client.connect();
  const rows = async (sql: string, params: unknown[]) => (await client.query(dollarParams(sql), params)).rows;
  return {
    all: async <T>(sql: string, ...params: unknown[]) => (await rows(sql, params)) as T[],
    get: async <T>(sql: string, ...params: unknown[]) => (await rows(sql, params))[0] as T | undefined,
    value: async <T>(sql: string, ...params: unknown[]) =>
      (await client.query({ text: dollarParams(sql), values: params, rowMode: "array" })).rows[0]?.[0] as T,
    run: async (sql: string, ...params: unknown[]) => void (await client.query(dollarParams(sql), params)),
    close: () => client.end(),
  };
}

/** `?` placeholders as PostgreSQL's numbered ones. */
export function dollarParams(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
