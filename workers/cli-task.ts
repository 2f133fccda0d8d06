// Piscina task: runs one Claude CLI process for one job. This file is the only place a CLI process is started
// (uid-lease.ts's kill sweep is the only other child of a worker). It parses the CLI's output off the main thread and posts what matters over the task's MessagePort;
// the main thread persists and fans out. The CLI runs in its own process group (detached), which is what we
// signal, so tool shells and other grandchildren go with it; `setpriv --pdeathsig` makes the kernel kill the
// CLI if this server dies without a chance to do it (SIGKILL). Every run ends with an outcome posted before
// `end`: a run that cannot even start (no temporary directory, spawn throwing) fails as `spawn_failed`.
// The run starts inside the sandbox chosen at start-up (runtime/sandbox/): its folder (runtime/cli/run-folder.ts:
// config/, workspace/, tmp/) is then its only writable place and its HOME.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MessagePort } from "node:worker_threads";
import { cliMissing, spawnFailed } from "../runtime/cli/outcome";
import { cliExists } from "../runtime/config/claude-path";
import { collectRunFolder, prepareRunFolder } from "../runtime/cli/run-folder";
import type { RunSpec, WorkerMessage } from "../runtime/queue/run-protocol";
import type { RunSandbox, Sandbox } from "../runtime/sandbox/modes";
import { SETPRIV, sandboxEnv, wrapCommand } from "../runtime/sandbox/wrap";
import { spawnCli, supervise } from "./supervise";
import { killUid, leaseSlot, releaseSlot } from "./uid-lease";

export interface CliTask {
  spec: RunSpec;
  port: MessagePort;
  sandbox?: Sandbox;
  /** User mode's uid slots, shared by the pool's threads. */
  uidLeases?: SharedArrayBuffer;
}

export default async function runCliTask({ spec, port, sandbox = { mode: "off" }, uidLeases }: CliTask): Promise<void> {
  const post = (m: WorkerMessage) => port.postMessage(m);
  let slot: number | undefined;
  let lingeredMs: number | undefined;
  try {
    if (!cliExists(spec.command)) {
      post({ t: "outcome", finish: cliMissing(spec.command) });
      return;
    }
    let runSandbox: RunSandbox;
    if (sandbox.mode === "user") {
      slot = uidLeases && leaseSlot(uidLeases);
      if (slot === undefined) {
        post({ t: "outcome", finish: spawnFailed("no free sandbox uid (CLAUDEGATE_SANDBOX_UID's range is in use)", undefined) });
        return;
      }
      runSandbox = { mode: "user", uid: sandbox.uidBase + slot };
    } else {
      runSandbox = sandbox;
    }
    let root: string;
    try {
      root = await mkdtemp(join(tmpdir(), "claudegate-job-"));
    } catch (err) {
      post({ t: "outcome", finish: spawnFailed("could not create the run's temporary directory", err) });
      return;
    }
    try {
      const run = await prepareRunFolder(spec, root, runSandbox);
      const cwd = run.dirs.workspace;
      const cmd = wrapCommand(runSandbox, { command: spec.command, argv: run.argv }, root, { hasSetpriv: existsSync(SETPRIV), cwd });
      let child;
      try {
        child = spawnCli(cmd, sandboxEnv(runSandbox, spec.env, run.dirs), cwd);
      } catch (err) {
        // Node throws (rather than emitting `error`) for E2BIG, a NUL byte in an argument and the like.
        post({ t: "outcome", finish: spawnFailed("could not start the CLI", err) });
        return;
      }
      const supervised = await supervise(spec, child, spec.stdin, port, post);
      lingeredMs = supervised.lingeredMs;
      if (runSandbox.mode === "user") await killUid(runSandbox.uid);
      await collectRunFolder(spec, run, supervised.cliSessionId, post);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  } catch (err) {
    // Whatever failed here, the run must still have an outcome (a second one, after supervise's, is ignored).
    post({ t: "outcome", finish: spawnFailed("could not run the CLI", err) });
  } finally {
    // The run's processes are gone (supervise waits for its group to end) and so is its folder: the uid is free.
    if (slot !== undefined) releaseSlot(uidLeases!, slot);
    post({ t: "end", lingeredMs });
    port.close();
  }
}

/** Second task of this worker (Piscina `name: "cliVersion"`): the CLI's `--version`, for /api/v1/stats. */
export function cliVersion({ command }: { command: string }): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = "";
    const child = spawn(command, ["--version"], {
      stdio: ["ignore", "pipe", "ignore"],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      timeout: 10_000,
    });
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.on("error", () => resolve(undefined));
    child.on("close", (code) => resolve(code === 0 ? out.trim().split(/\s+/)[0] : undefined));
  });
}
