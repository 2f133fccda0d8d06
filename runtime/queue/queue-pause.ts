// The queue's pause switch. While paused, submits are still accepted and nothing new starts; running jobs
// finish. An operator pauses by hand (until resumed, or for a while); an account that hits its usage limit
// pauses the queue until the limit resets, so every queued job does not fail in turn.
import type { Sqlite } from "../store/database";

export const PAUSE_SOURCES = ["operator", "usage_limit"] as const;
export type PauseSource = (typeof PAUSE_SOURCES)[number];

export interface PauseState {
  /** Epoch ms, or null for "until resumed". */
  until: number | null;
  reason: string;
  source: PauseSource;
  since: number;
}

export class QueuePause {
  private state: PauseState | undefined;
  private readonly q;

  constructor(db: Sqlite) {
    this.q = {
      load: db.prepare("SELECT until, reason, source, created_at FROM queue_pause WHERE id = 1"),
      save: db.prepare(
        "INSERT INTO queue_pause (id, until, reason, source, created_at) VALUES (1, ?, ?, ?, ?) " +
          "ON CONFLICT(id) DO UPDATE SET until = excluded.until, reason = excluded.reason, source = excluded.source, created_at = excluded.created_at",
      ),
      clear: db.prepare("DELETE FROM queue_pause"),
    };
    const row = this.q.load.get() as { until: number | null; reason: string; source: PauseSource; created_at: number } | undefined;
    if (row) this.state = { until: row.until, reason: row.reason, source: row.source, since: row.created_at };
  }

  pause(until: number | null, reason: string, source: PauseSource, now = Date.now()): PauseState {
    this.state = { until, reason, source, since: now };
    this.q.save.run(until, reason, source, now);
    return this.state;
  }

  resume(): void {
    this.state = undefined;
    this.q.clear.run();
  }

  /** The pause in force now, if any (an expired one is cleared). */
  current(now = Date.now()): PauseState | undefined {
    if (this.state && this.state.until !== null && this.state.until <= now) this.resume();
    return this.state;
  }
}
