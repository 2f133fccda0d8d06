// Sql over one better-sqlite3 connection. Statements run synchronously inside and resolve at once. A
// transaction awaits its callback, so other requests could slip their statements into it between two awaits:
// while one is open, statements from outside it wait at a gate until it commits (SQLite has one writer anyway).
import type BetterSqlite3 from "better-sqlite3";
import { toDriverValue, type Params, type Sql } from "./sql";

type Statement = BetterSqlite3.Statement;

export class SqliteConnection {
  private readonly statements = new Map<string, Statement>();
  /** Settles when the open transaction ends; undefined while none is open. */
  gate: Promise<void> | undefined;
  private savepoints = 0;

  constructor(readonly db: BetterSqlite3.Database) {}

  statement(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      if (this.statements.size > 500) this.statements.clear(); // one-off texts (list filters) must not pile up
      this.statements.set(text, s);
    }
    return s;
  }

  all<T>(text: string, params?: Params): T[] {
    const s = this.statement(text);
    const args = bind(params);
    if (s.reader) return s.all(...args) as T[];
    s.run(...args);
    return [];
  }

  run(text: string, params?: Params): number {
    const s = this.statement(text);
    const args = bind(params);
    if (s.reader) return s.all(...args).length;
    return s.run(...args).changes;
  }

  nextSavepoint(): string {
    return `sp${++this.savepoints}`;
  }
}

function bind(params: Params | undefined): unknown[] {
  if (params === undefined) return [];
  if (Array.isArray(params)) return params.map(toDriverValue);
  const named: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) named[k] = toDriverValue(v);
  return [named];
}

/** A handle that runs statements at once: the root one waits for an open transaction first. */
class SqliteHandle implements Sql {
  readonly dialect = "sqlite" as const;

  constructor(
    protected readonly c: SqliteConnection,
    private readonly inTransaction: boolean,
  ) {}

  // The gate is checked again right before acting, with no await in between: several waiters wake when it
  // opens, and the first one may open a transaction before the others resume.
  async all<T>(text: string, params?: Params): Promise<T[]> {
    while (this.c.gate && !this.inTransaction) await this.c.gate;
    return this.c.all<T>(text, params);
  }

  async get<T>(text: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(text, params))[0];
  }

  async value<T>(text: string, params?: Params): Promise<T | undefined> {
    const row = await this.get<Record<string, unknown>>(text, params);
    return row === undefined ? undefined : (Object.values(row)[0] as T);
  }

  async run(text: string, params?: Params): Promise<number> {
    while (this.c.gate && !this.inTransaction) await this.c.gate;
    return this.c.run(text, params);
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.inTransaction) return this.savepoint(work);
    while (this.c.gate) await this.c.gate;
    let open!: () => void;
    this.c.gate = new Promise<void>((resolve) => (open = resolve));
    const db = this.c.db;
    try {
      db.exec("BEGIN");
      const result = await work(new SqliteHandle(this.c, true));
      db.exec("COMMIT");
      return result;
    } catch (err) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw err;
    } finally {
      this.c.gate = undefined;
      open();
    }
  }

  private async savepoint<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const name = this.c.nextSavepoint();
    const db = this.c.db;
    db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await work(this);
      db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      db.exec(`ROLLBACK TO ${name}`);
      db.exec(`RELEASE ${name}`);
      throw err;
    }
  }
}

export function sqliteSql(db: BetterSqlite3.Database): Sql {
  return new SqliteHandle(new SqliteConnection(db), false);
}
