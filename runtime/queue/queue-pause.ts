// The queue's pause switch. While paused, submits are still accepted and nothing new starts; running jobs
// finish. An operator pauses by hand (until resumed, or for a while); an account that hits its usage limit
// pauses the queue until the limit resets, so every queued job does not fail in turn.
import { SharedCopy } from "../store/shared-copy";
import type { Sql } from "../store/sql/sql";

export const PAUSE_SOURCES = ["operator", "usage_limit"] as const;
export type PauseSource = (typeof PAUSE_SOURCES)[number];

export interface PauseState {
  /** Epoch ms, or null for "until resumed". */
  until: number | null;
  reason: string;
  source: PauseSource;
  since: number;
}

/**
 * The queue_pause row and a copy of it in memory, which the dispatcher reads before each claim. One row for the
 * whole cluster: an instance that changes it tells the others (`onChange`), which re-read it (`reload`); they
 * also re-read it every few seconds in case a notification was lost.
 */
export class QueuePause {
  private state: PauseState | undefined;
  /** Reads of the row and changes made here, ordered: a stale read never undoes a pause or a resume. */
  private readonly copy = new SharedCopy();

  constructor(
    private readonly sql: Sql,
    private readonly onChange: () => Promise<void> = async () => {},
  ) {}

  /** Reads the row into memory (at start-up, and when another instance changed it). */
  async reload(): Promise<void> {
    await this.copy.read(
      () => this.sql.get<{ until: number | null; reason: string; source: PauseSource; created_at: number }>(
        "SELECT until, reason, source, created_at FROM queue_pause WHERE id = 1",
      ),
      (row) => (this.state = row && { until: row.until, reason: row.reason, source: row.source, since: row.created_at }),
    );
  }

  async pause(until: number | null, reason: string, source: PauseSource, now = Date.now()): Promise<PauseState> {
    const state = { until, reason, source, since: now };
    this.state = state;
    await this.copy.change(() =>
      this.sql.run(
        "INSERT INTO queue_pause (id, until, reason, source, created_at) VALUES (1, ?, ?, ?, ?) " +
          "ON CONFLICT(id) DO UPDATE SET until = excluded.until, reason = excluded.reason, source = excluded.source, created_at = excluded.created_at",
        [until, reason, source, now],
      ),
    );
    await this.onChange();
    return state;
  }

  async resume(): Promise<void> {
    this.state = undefined;
    await this.copy.change(() => this.sql.run("DELETE FROM queue_pause"));
    await this.onChange();
  }

  /** The pause in force now, if any (an expired one is forgotten here; its row is left for the next pause to replace). */
  current(now = Date.now()): PauseState | undefined {
    if (this.state && this.state.until !== null && this.state.until <= now) this.state = undefined;
    return this.state;
  }
}
