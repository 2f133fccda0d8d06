// Group commit: write units that arrive in the same event-loop turn share one transaction. Each unit runs in
// its own savepoint, so one that throws is rolled back alone; each caller's promise settles only after the
// shared COMMIT, so an answer still means "stored". BEGIN/COMMIT was a third of a submit's cost.
import type { Sqlite } from "./database";

interface Unit {
  work: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class WriteBatcher {
  private units: Unit[] = [];
  private scheduled = false;

  constructor(private readonly db: Sqlite) {}

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.units.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  private commit(): void {
    this.scheduled = false;
    const units = this.units;
    this.units = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const u of units) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(u.work)() }); // a savepoint per unit
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
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
