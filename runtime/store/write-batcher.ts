// Group commit on SQLite: write units that arrive in the same event-loop turn share one transaction. Each unit
// runs in its own savepoint, so one that throws is rolled back alone; each caller's promise settles only after
// the shared COMMIT, so an answer still means "stored". BEGIN/COMMIT was a third of a submit's cost on SQLite.
// On PostgreSQL each unit is its own transaction: they run concurrently on the pool's connections.
import type { Sql } from "./sql/sql";

type Work = (tx: Sql) => Promise<unknown>;

interface Unit {
  work: Work;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class WriteBatcher {
  private units: Unit[] = [];
  private scheduled = false;

  constructor(private readonly sql: Sql) {}

  run<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.sql.dialect !== "sqlite") return this.sql.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.units.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.commit());
      }
    });
  }

  private async commit(): Promise<void> {
    this.scheduled = false;
    const units = this.units;
    this.units = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.sql.transaction(async (tx) => {
        for (const u of units) {
          try {
            outcomes.push({ ok: true, value: await tx.transaction(u.work) }); // a savepoint per unit
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const u of units) u.reject(error); // the COMMIT itself failed: nothing was stored
      return;
    }
    units.forEach((u, i) => {
      const o = outcomes[i]!;
      if (o.ok) u.resolve(o.value);
      else u.reject(o.error);
    });
  }
}
