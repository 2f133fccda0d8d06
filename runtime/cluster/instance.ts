// This gateway process as a cluster member: an id unique across restarts and machines, and its row in
// `instances` (host, pid, start, heartbeat), which /api/v1/stats lists.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Sql } from "../store/sql/sql";
import { processAlive } from "../queue/orphan-reaper";

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

  /**
   * Instances of this machine whose process is gone (a gateway killed and restarted here, or this container's
   * previous life, which had this pid): their leases need not run out, the machine knows they are dead. They are
   * forgotten and their jobs' leases end now, so recovery runs those jobs again at once, as a single gateway
   * recovers at start-up.
   */
  async endDeadOnThisMachine(me: Instance): Promise<number> {
    const rows = await this.sql.all<{ id: string; pid: number }>(`SELECT id, pid FROM instances WHERE host = ? AND id != ?`, [me.host, me.id]);
    const dead = rows.filter((r) => r.pid === process.pid || !processAlive(r.pid)).map((r) => r.id);
    if (dead.length === 0) return 0;
    const list = dead.map(() => "?").join(", ");
    const ended = await this.sql.run(`UPDATE jobs SET lease_expires_at = 0 WHERE status = 'processing' AND lease_owner IN (${list})`, dead);
    await this.sql.run(`DELETE FROM instances WHERE id IN (${list})`, dead);
    return ended;
  }

  async leave(me: Instance): Promise<void> {
    await this.sql.run(`DELETE FROM instances WHERE id = ?`, [me.id]);
  }
}
