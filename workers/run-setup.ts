// One run's set-up and tear-down around its CLI process, shared by a cold run and a warm one: the uid slot of
// user mode, the run's private temporary directory and folder (runtime/cli/run-folder.ts), the sandbox wrap; after
// the CLI: the uid's leftovers killed, the folder collected and removed, the slot freed. `runCold` is a whole run.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MessagePort } from "node:worker_threads";
import { cliMissing, spawnFailed } from "../runtime/cli/outcome";
import { cliExists } from "../runtime/config/claude-path";
import { collectRunFolder, prepareRunFolder, type PreparedRun } from "../runtime/cli/run-folder";
import type { Finish } from "../runtime/job/run-outcome";
import type { RunSpec, WorkerMessage } from "../runtime/queue/run-protocol";
import type { RunSandbox, Sandbox } from "../runtime/sandbox/modes";
import { SETPRIV, sandboxEnv, wrapCommand, type Wrapped } from "../runtime/sandbox/wrap";
import { spawnCli, supervise, type Supervised } from "./supervise";
import { killUid, leaseSlot, releaseSlot } from "./uid-lease";

export interface RunTask {
  spec: RunSpec;
  port: MessagePort;
  sandbox?: Sandbox;
  /** User mode's uid slots, shared by the pool's threads. */
  uidLeases?: SharedArrayBuffer;
}

export interface Prepared {
  root: string;
  run: PreparedRun;
  runSandbox: RunSandbox;
  cmd: Wrapped;
  env: Record<string, string>;
  cwd: string;
  slot?: number;
}

/** Everything up to the spawn; a Finish (spawn_failed, cli_missing) when the run cannot start. Cleans up after itself. */
export async function prepareRun({ spec, sandbox = { mode: "off" }, uidLeases }: RunTask): Promise<Prepared | Finish> {
  if (!cliExists(spec.command)) return cliMissing(spec.command);
  let slot: number | undefined;
  let runSandbox: RunSandbox = sandbox.mode === "user" ? { mode: "off" } : sandbox;
  if (sandbox.mode === "user") {
    slot = uidLeases && leaseSlot(uidLeases);
    if (slot === undefined) return spawnFailed("no free sandbox uid (CLAUDEGATE_SANDBOX_UID's range is in use)", undefined);
    runSandbox = { mode: "user", uid: sandbox.uidBase + slot };
  }
  let root: string;
  try {
    root = await mkdtemp(join(tmpdir(), "claudegate-job-"));
  } catch (err) {
    if (slot !== undefined) releaseSlot(uidLeases!, slot);
    return spawnFailed("could not create the run's temporary directory", err);
  }
  try {
    const run = await prepareRunFolder(spec, root, runSandbox);
    const cwd = run.dirs.workspace;
    const cmd = wrapCommand(runSandbox, { command: spec.command, argv: run.argv }, root, { hasSetpriv: existsSync(SETPRIV), cwd });
    return { root, run, runSandbox, cmd, env: sandboxEnv(runSandbox, spec.env, run.dirs), cwd, slot };
  } catch (err) {
    await releaseRun({ root, slot }, uidLeases);
    return spawnFailed("could not prepare the run's folder", err);
  }
}

/** After the CLI is gone: its uid's leftovers killed, renewed credentials, workspace and transcript collected. */
export async function collectRun(spec: RunSpec, p: Prepared, supervised: Supervised, post: (m: WorkerMessage) => void): Promise<void> {
  if (p.runSandbox.mode === "user") await killUid(p.runSandbox.uid);
  await collectRunFolder(spec, p.run, supervised.cliSessionId, post);
}

/** The run's processes are gone (supervise waits for its group to end) and so is its folder: the uid is free. */
export async function releaseRun(p: Pick<Prepared, "root" | "slot">, uidLeases: SharedArrayBuffer | undefined): Promise<void> {
  await rm(p.root, { recursive: true, force: true });
  if (p.slot !== undefined) releaseSlot(uidLeases!, p.slot);
}

/** A whole cold run: prepare, spawn, supervise with the prompt on stdin, collect; `end` is always posted last. */
export async function runCold(task: RunTask): Promise<void> {
  const { spec, port, uidLeases } = task;
  const post = (m: WorkerMessage) => port.postMessage(m);
  let prepared: Prepared | undefined;
  let lingeredMs: number | undefined;
  try {
    const p = await prepareRun(task);
    if (!("root" in p)) return post({ t: "outcome", finish: p });
    prepared = p;
    let child;
    try {
      child = spawnCli(p.cmd, p.env, p.cwd);
    } catch (err) {
      // Node throws (rather than emitting `error`) for E2BIG, a NUL byte in an argument and the like.
      return post({ t: "outcome", finish: spawnFailed("could not start the CLI", err) });
    }
    const supervised = await supervise(spec, child, spec.stdin, port, post);
    lingeredMs = supervised.lingeredMs;
    await collectRun(spec, p, supervised, post);
  } catch (err) {
    // Whatever failed here, the run must still have an outcome (a second one, after supervise's, is ignored).
    post({ t: "outcome", finish: spawnFailed("could not run the CLI", err) });
  } finally {
    if (prepared) await releaseRun(prepared, uidLeases).catch(() => {});
    post({ t: "end", lingeredMs });
    port.close();
  }
}
