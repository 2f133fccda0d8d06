// What every files endpoint needs from its request: the session (visible to the key, else the same 404 as an
// unknown one) and, for one file, its confined path (else a 400 saying why).
import { getRouterParam, type H3Event } from "h3";
import type { Gateway } from "../gateway";
import { refuse } from "../domain-error";
import type { Session } from "../store/session-store";
import { canSee, principalOf } from "../tenants/principal";
import { workspacePathError } from "./workspace-path";
import type { WorkspaceFile } from "./workspace-store";
import { isTerminal } from "../job/job";

export async function sessionOf(g: Pick<Gateway, "store">, event: H3Event): Promise<Session> {
  const s = await g.store.sessions.get(getRouterParam(event, "id", { decode: true })!);
  if (!s || !canSee(principalOf(event), s.owner)) throw refuse("not_found", "session not found");
  return s;
}

/** The file path of the URL, percent-decoded (so %2e%2e is "..", and refused like it). */
export function pathOf(event: H3Event): string {
  let path: string;
  try {
    path = decodeURIComponent(getRouterParam(event, "path") ?? "");
  } catch {
    throw refuse("invalid", "path is not valid percent-encoding");
  }
  const bad = workspacePathError(path);
  if (bad) throw refuse("invalid", bad);
  return path;
}

/** How long a change waits for a turn that has ended but whose run is still storing its files. */
const SETTLE_MS = 10_000;

/**
 * Files change only between turns: the run of a turn writes the workspace back when its CLI is gone, just after
 * its job ends. A turn that has just ended (its job is terminal, its files being stored) is waited for, so a
 * client that reads or uploads right after seeing the job end sees the turn's files and is not refused. A turn
 * still running is a 409 for a change (`change`), and no wait for a read (it sees the files as before the turn).
 */
export async function waitForTurnToSettle(g: Pick<Gateway, "store">, s: Session, change = true): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  for (let running = s.runningJob; running; running = (await g.store.sessions.get(s.id))?.runningJob) {
    const job = await g.store.get(running);
    if (job && !isTerminal(job.status)) {
      if (!change) return;
      throw refuse("conflict", "a turn of this session is running; change its files when it has ended");
    }
    if (Date.now() > deadline) throw refuse("conflict", "the session's last turn is still storing its files; try again");
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const fileJson = (f: WorkspaceFile) => ({ path: f.path, size: f.size, sha256: f.sha256, modified_at: new Date(f.modified_at).toISOString() });
