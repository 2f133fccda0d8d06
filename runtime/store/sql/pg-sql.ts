// Sql over a pg pool: placeholders numbered for PostgreSQL, a transaction on one pooled client
// (runtime/store/pg/transaction.ts), a savepoint inside one.
import type pg from "pg";
import { transaction } from "../pg/transaction";
import { toDriverValue, type Params, type Sql } from "./sql";

interface Translated {
  text: string;
  /** Names of the `@name` parameters in order of their numbers; undefined for positional `?` ones. */
  names?: string[];
}

const translations = new Map<string, Translated>();

/** `?` → `$1, $2…`; `@name` → one `$n` per distinct name. Our SQL has neither inside string literals. */
export function translate(text: string): Translated {
  let t = translations.get(text);
  if (t) return t;
  if (/@[A-Za-z_]/.test(text)) {
    const names: string[] = [];
    const out = text.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return `$${i + 1}`;
    });
    t = { text: out, names };
  } else {
    let n = 0;
    t = { text: text.replace(/\?/g, () => `$${++n}`) };
  }
  if (translations.size > 1000) translations.clear();
  translations.set(text, t);
  return t;
}

/**
 * A value as PostgreSQL takes it. TEXT cannot hold NUL (SQLite's can): one in a CLI's output would fail the
 * statement that ends its job, so it is stored as U+FFFD instead. Submits refuse NUL before this point.
 */
function toPgValue(v: unknown): unknown {
  const d = toDriverValue(v);
  return typeof d === "string" && d.includes("\0") ? d.replaceAll("\0", "\uFFFD") : d;
}

function values(t: Translated, params: Params | undefined): unknown[] {
  if (params === undefined) return [];
  if (Array.isArray(params)) return params.map(toPgValue);
  const named = params as Record<string, unknown>;
  return (t.names ?? []).map((n) => {
    if (!(n in named)) throw new Error(`missing SQL parameter @${n}`);
    return toPgValue(named[n]);
  });
}

type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

class PgHandle implements Sql {
  readonly dialect = "postgres" as const;
  private savepoints = 0;

  constructor(
    private readonly target: Queryable,
    private readonly pool: pg.Pool | undefined,
  ) {}

  private async query(text: string, params?: Params): Promise<pg.QueryResult> {
    const t = translate(text);
    return (this.target as pg.Pool).query(t.text, values(t, params));
  }

  async all<T>(text: string, params?: Params): Promise<T[]> {
    return (await this.query(text, params)).rows as T[];
  }

  async get<T>(text: string, params?: Params): Promise<T | undefined> {
    return (await this.query(text, params)).rows[0] as T | undefined;
  }

  async value<T>(text: string, params?: Params): Promise<T | undefined> {
    const row = (await this.query(text, params)).rows[0] as Record<string, unknown> | undefined;
    return row === undefined ? undefined : (Object.values(row)[0] as T);
  }

  async run(text: string, params?: Params): Promise<number> {
    return (await this.query(text, params)).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.pool) return transaction(this.pool, (client) => work(new PgHandle(client, undefined)));
    const name = `sp${++this.savepoints}`;
    await this.query(`SAVEPOINT ${name}`);
    try {
      const result = await work(this);
      await this.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await this.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw err;
    }
  }
}

export function pgSql(pool: pg.Pool): Sql {
  return new PgHandle(pool, pool);
}
