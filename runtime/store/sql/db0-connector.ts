// A db0 connector over our Sql handle, for libraries that take a db0 database (unstorage's db0 driver keeps
// workspace files with it). Its statements then go where ours go: through the SQLite transaction gate, or the
// PostgreSQL pool (which reconnects after an outage; db0's own PostgreSQL connector keeps one client for ever).
import { createDatabase, type Connector } from "db0";
import type { Sql } from "./sql";

export type Db0 = ReturnType<typeof createDatabase>;

export function db0Over(sql: Sql): Db0 {
  const statement = (text: string) => {
    const bound = (params: unknown[]) => ({
      all: () => sql.all(text, params),
      get: () => sql.get(text, params),
      run: async () => ({ success: true, changes: await sql.run(text, params) }),
    });
    return {
      bind: (...params: unknown[]) => bound(params),
      all: (...params: unknown[]) => sql.all(text, params),
      get: (...params: unknown[]) => sql.get(text, params),
      run: async (...params: unknown[]) => ({ success: true, changes: await sql.run(text, params) }),
    };
  };
  const connector = {
    name: sql.dialect === "postgres" ? "postgresql" : "sqlite",
    dialect: sql.dialect === "postgres" ? "postgresql" : "sqlite",
    getInstance: () => sql,
    exec: (text: string) => sql.run(text),
    prepare: statement,
  } as unknown as Connector;
  return createDatabase(connector);
}
