// A session's workspace files: the listing in workspace_files (ours: limits are one SUM), the bytes through
// unstorage under `<session id>:<sha256 of the path>`. Bytes are written before the listing and deleted after
// it, so a listed file always has its bytes (a crash between the two can leave unlisted bytes, never the reverse).
import { createHash } from "node:crypto";
import type { Storage } from "unstorage";
import type { Sql } from "../store/sql/sql";

export interface WorkspaceFile {
  path: string;
  size: number;
  sha256: string;
  modified_at: number;
}

export interface FileData {
  path: string;
  data: Uint8Array;
}

export interface WorkspaceLimits {
  maxFileBytes: number;
  maxBytes: number;
}

export type PutResult = { ok: true; file: WorkspaceFile } | { ok: false; status: 413; error: string };

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export class WorkspaceStore {
  constructor(
    private readonly sql: Sql,
    private readonly storage: Storage,
    readonly limits: WorkspaceLimits,
  ) {}

  private key = (session: string, path: string) => `${session}:${sha256(Buffer.from(path))}`;

  list(session: string): Promise<WorkspaceFile[]> {
    return this.sql.all<WorkspaceFile>(`SELECT path, size, sha256, modified_at FROM workspace_files WHERE session_id = ? ORDER BY path`, [session]);
  }

  stat(session: string, path: string): Promise<WorkspaceFile | undefined> {
    return this.sql.get<WorkspaceFile>(`SELECT path, size, sha256, modified_at FROM workspace_files WHERE session_id = ? AND path = ?`, [session, path]);
  }

  async read(session: string, path: string): Promise<Buffer | undefined> {
    if (!(await this.stat(session, path))) return undefined;
    const raw = await this.storage.getItemRaw<Uint8Array>(this.key(session, path));
    return raw ? Buffer.from(raw) : undefined;
  }

  /**
   * Stores a file, within the per-file and per-session limits and, for a tenant key with a policy, the key's
   * total over all its sessions (`ownerMax`).
   */
  async put(session: string, path: string, data: Uint8Array, owner?: { id: string; maxBytes: number }, now = Date.now()): Promise<PutResult> {
    const tooBig = await this.overLimit(session, path, data.length, owner);
    if (tooBig) return { ok: false, status: 413, error: tooBig };
    await this.storage.setItemRaw(this.key(session, path), Buffer.from(data));
    const file = { path, size: data.length, sha256: sha256(data), modified_at: now };
    await this.upsert(session, path, data.length, file.sha256, now);
    return { ok: true, file };
  }

  private async upsert(session: string, path: string, size: number, digest: string, now: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO workspace_files (session_id, path, size, sha256, modified_at) VALUES (@session, @path, @size, @sha256, @now)
       ON CONFLICT (session_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, modified_at = excluded.modified_at`,
      { session, path, size, sha256: digest, now },
    );
  }

  /** The 413 message when a file of `size` bytes at `path` would pass a limit. */
  async overLimit(session: string, path: string, size: number, owner?: { id: string; maxBytes: number }): Promise<string | undefined> {
    const { maxFileBytes, maxBytes } = this.limits;
    if (size > maxFileBytes) return `file must be at most ${maxFileBytes} bytes (CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES)`;
    const sessionBytes = (await this.sql.value<number>(`SELECT COALESCE(SUM(size), 0) FROM workspace_files WHERE session_id = ? AND path != ?`, [session, path])) ?? 0;
    if (sessionBytes + size > maxBytes) return `the session's files would pass ${maxBytes} bytes (CLAUDEGATE_WORKSPACE_MAX_BYTES)`;
    if (owner) {
      const ownerBytes =
        (await this.sql.value<number>(
          `SELECT COALESCE(SUM(f.size), 0) FROM workspace_files f JOIN sessions s ON s.id = f.session_id
           WHERE s.owner = ? AND NOT (f.session_id = ? AND f.path = ?)`,
          [owner.id, session, path],
        )) ?? 0;
      if (ownerBytes + size > owner.maxBytes) return `this key's files would pass ${owner.maxBytes} bytes (policy.workspace_max_bytes)`;
    }
    return undefined;
  }

  async remove(session: string, path: string): Promise<boolean> {
    const removed = (await this.sql.run(`DELETE FROM workspace_files WHERE session_id = ? AND path = ?`, [session, path])) === 1;
    if (removed) await this.storage.removeItem(this.key(session, path));
    return removed;
  }

  async removeAll(session: string): Promise<void> {
    const files = await this.list(session);
    await this.sql.run(`DELETE FROM workspace_files WHERE session_id = ?`, [session]);
    for (const f of files) await this.storage.removeItem(this.key(session, f.path));
  }

  /** Every file with its bytes, to put in a run's workspace. */
  async filesOf(session: string): Promise<FileData[]> {
    const out: FileData[] = [];
    for (const f of await this.list(session)) {
      const data = await this.storage.getItemRaw<Uint8Array>(this.key(session, f.path));
      if (data) out.push({ path: f.path, data: new Uint8Array(data) });
    }
    return out;
  }

  /** After a turn: the workspace becomes what the run left (new and changed files written, vanished ones removed). */
  async replace(session: string, files: FileData[], now = Date.now()): Promise<void> {
    const before = new Map((await this.list(session)).map((f) => [f.path, f]));
    for (const { path, data } of files) {
      const digest = sha256(data);
      if (before.get(path)?.sha256 !== digest) {
        await this.storage.setItemRaw(this.key(session, path), Buffer.from(data));
        await this.upsert(session, path, data.length, digest, now);
      }
      before.delete(path);
    }
    for (const path of before.keys()) await this.remove(session, path);
  }
}
