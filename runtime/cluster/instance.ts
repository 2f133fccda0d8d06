// This gateway process as a cluster member: an id unique across restarts and machines, and its row in
// `instances` (host, pid, start, heartbeat), which /api/v1/stats lists.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Sql } from "../store/sql/sql";

export interface Instance {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
}

export function thisInstance(now = Date.now()): Instance {
  const host = hostname();
  return { id: `${host}-${process.pid}-${randomBytes(3).toString("hex")}`, host, pid: process.pid, startedAt: now };
}

export interface InstanceRow {
  id: string;
  host: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
}

export class Instances {
  constructor(private readonly sql: Sql) {}

  async heartbeat(me: Instance, now = Date.now()): Promise<void> {
    await this.sql.run(
      `INSERT INTO instances (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      [me.id, me.host, me.pid, me.startedAt, now],
    );
  }

  /** Instances heard from since `since`, oldest first. */
  alive(since: number): Promise<InstanceRow[]> {
    return this.sql.all<InstanceRow>(`SELECT id, host, pid, started_at, heartbeat_at FROM instances WHERE heartbeat_at >= ? ORDER BY started_at, id`, [since]);
  }

  /** Forgets instances silent since before `before` (their leases have long run out). */
  forgetSilent(before: number): Promise<number> {
    return this.sql.run(`DELETE FROM instances WHERE heartbeat_at < ?`, [before]);
  }

  async leave(me: Instance): Promise<void> {
    await this.sql.run(`DELETE FROM instances WHERE id = ?`, [me.id]);
  }
}
