// Piscina task: runs one Claude CLI process for one job. This file is the only place a child process is
// started. It parses the CLI's output off the main thread and posts what matters over the task's MessagePort;
// the main thread persists and fans out. The CLI runs in its own process group (detached), which is what we
// signal, so tool shells and other grandchildren go with it; `setpriv --pdeathsig` makes the kernel kill the
// CLI if this server dies without a chance to do it (SIGKILL). Every run ends with an outcome posted before
// `end`: a run that cannot even start (no temporary directory, spawn throwing) fails as `spawn_failed`.
// The run starts inside the sandbox chosen at start-up (runtime/sandbox/): its folder (runtime/cli/run-folder.ts:
// config/, workspace/, tmp/) is then its only writable place and its HOME.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { MessagePort } from "node:worker_threads";
import { LineSplitter } from "../runtime/cli/line-splitter";
import { parseCliLine } from "../runtime/cli/stream-parser";
import { formatLimit, limitFromResult, outcomeFromExit, outcomeFromResult } from "../runtime/cli/outcome";
import { cliExists } from "../runtime/config/claude-path";
import { cliErrorDetail } from "../runtime/cli/stderr-detail";
import { collectRunFolder, prepareRunFolder } from "../runtime/cli/run-folder";
import type { Finish } from "../runtime/store/job-store";
import type { MainMessage, RunSpec, WorkerMessage } from "../runtime/queue/run-protocol";
import type { RunSandbox, Sandbox } from "../runtime/sandbox/modes";
import { HANDSHAKE_FD, SETPRIV, sandboxEnv, wrapCommand, type Wrapped } from "../runtime/sandbox/wrap";
import { leaseSlot, releaseSlot } from "./uid-lease";

const STDERR_TAIL_BYTES = 2048;
type StdioPipe = "pipe";

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
      post({ t: "outcome", finish: missing(spec.command) });
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
      const supervised = await supervise(spec, cmd, sandboxEnv(runSandbox, spec.env, run.dirs), port, cwd, post);
      lingeredMs = supervised.lingeredMs;
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

function missing(command: string): Finish {
  return {
    status: "failed",
    result: "",
    error: `claude CLI not found at "${command}" (set CLAUDEGATE_CLAUDE_PATH)`,
    errorCode: "cli_missing",
  };
}

/** A run that could not start. The error's code (E2BIG, ENOSPC...) says why; its message may hold the argv. */
function spawnFailed(what: string, err: unknown): Finish {
  const code = (err as NodeJS.ErrnoException)?.code;
  return { status: "failed", result: "", error: code ? `${what} (${code})` : what, errorCode: "spawn_failed" };
}

interface Supervised {
  /** The result line's session_id, when the run got that far. */
  cliSessionId?: string;
  /** How long the CLI lived on after its result line (undefined: it printed none). */
  lingeredMs?: number;
}

/** Resolves once the CLI is gone. */
function supervise(
  spec: RunSpec,
  cmd: Wrapped,
  env: Record<string, string>,
  port: MessagePort,
  cwd: string,
  post: (m: WorkerMessage) => void,
): Promise<Supervised> {
  return new Promise((resolve) => {
    const supervised: Supervised = {};
    let child: ChildProcessWithoutNullStreams;
    try {
      const stdio: StdioPipe[] = cmd.handshake ? ["pipe", "pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe"];
      child = spawn(cmd.file, cmd.args, { cwd, env, detached: true, stdio }) as ChildProcessWithoutNullStreams;
    } catch (err) {
      // Node throws (rather than emitting `error`) for E2BIG, a NUL byte in an argument and the like.
      post({ t: "outcome", finish: spawnFailed("could not start the CLI", err) });
      return resolve(supervised);
    }

    let decided = false; // an outcome has been posted; later events only affect clean-up
    let stallTimer: NodeJS.Timeout | undefined;
    let exited = false;
    let resultAt: number | undefined; // when the result line came, for the linger time
    let stderrTail = "";
    let textBytes = 0;
    let sawDeltaThisTurn = false;
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* the group is already gone */
      }
    };
    const decide = (m: WorkerMessage) => {
      if (decided) return;
      decided = true;
      post(m);
    };
    const fail = (finish: Finish) => {
      decide({ t: "outcome", finish });
      killGroup("SIGKILL");
    };
    /** Fails the run and asks the group to stop: SIGTERM, then SIGKILL for whatever ignores it. */
    const terminate = (finish: Finish) => {
      if (decided) return;
      decide({ t: "outcome", finish });
      killGroup("SIGTERM");
      later(spec.termGraceMs, () => killGroup("SIGKILL"));
    };

    child.on("error", (err: NodeJS.ErrnoException) => {
      decide({ t: "outcome", finish: err.code === "ENOENT" ? missing(spec.command) : spawnFailed("could not start the CLI", err) });
      finishUp();
    });
    if (child.pid !== undefined) post({ t: "spawned", pid: child.pid });
    if (cmd.handshake) answerHandshake(child.stdio[HANDSHAKE_FD] as Duplex);

    child.stdin.on("error", () => {}); // EPIPE when the CLI exits before reading its prompt
    child.stdin.end(spec.stdin);

    const splitter = new LineSplitter();
    const onLine = (line: string) => {
      if (decided) return;
      const parsed = parseCliLine(line);
      switch (parsed.kind) {
        case "text":
          sawDeltaThisTurn = true;
          emitText(parsed.text);
          break;
        case "assistant":
          // Without partial messages (or from a mock CLI) the whole message is the only text we get.
          if (!sawDeltaThisTurn && parsed.text) emitText(parsed.text);
          sawDeltaThisTurn = false;
          for (const tool of parsed.tools) post({ t: "tool_use", name: tool.name, id: tool.id, input: tool.input });
          break;
        case "tool_results":
          for (const r of parsed.results) post({ t: "tool_result", id: r.id, output: r.output, isError: r.isError });
          break;
        case "retry":
          post({ t: "retry", attempt: parsed.attempt, maxRetries: parsed.maxRetries, delayMs: parsed.delayMs, errorStatus: parsed.errorStatus });
          break;
        case "result":
          resultAt = Date.now();
          if (Buffer.byteLength(parsed.result.result) > spec.maxResultBytes) return fail(tooLarge(spec));
          supervised.cliSessionId = parsed.result.sessionId;
          const limit = limitFromResult(parsed.result);
          decide(limit ? { t: "limited", limit } : { t: "outcome", finish: outcomeFromResult(parsed.result, { json: spec.json, structured: spec.structured }) });
          // The result ends the job; a CLI that lingers after it is known to hang, so it gets a short grace.
          later(spec.lingerMs, () => killGroup("SIGKILL"));
          break;
      }
    };
    const emitText = (text: string) => {
      textBytes += Buffer.byteLength(text);
      if (textBytes > spec.maxResultBytes) return fail(tooLarge(spec));
      post({ t: "chunk", text });
    };

    // The stall watchdog: the CLI is known to hang mid-stream, printing nothing. Any output resets the clock.
    const watchStall = () => {
      clearTimeout(stallTimer);
      if (spec.stallMs <= 0 || decided) return;
      stallTimer = setTimeout(() => {
        const error = `no output from the CLI for ${formatLimit(spec.stallMs)}; killed as stalled`;
        terminate({ status: "failed", result: "", error, errorCode: "stalled" });
      }, spec.stallMs);
    };
    watchStall();

    child.stdout.on("data", (chunk: Buffer) => {
      watchStall();
      for (const line of splitter.push(chunk)) onLine(line);
      // A line that never ends must not grow without bound: the result line of an allowed result fits in this.
      if (!decided && splitter.pending > spec.maxResultBytes + 1024 * 1024) fail(tooLarge(spec));
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });

    port.on("message", (m: MainMessage) => {
      if (m.t === "cancel") {
        fail({ status: "cancelled", result: "", error: "job cancelled by user", errorCode: "cancelled" });
      } else if (m.t === "shutdown") {
        decide({ t: "interrupted" });
        killGroup("SIGKILL");
      }
    });

    if (spec.timeoutMs > 0) {
      later(spec.timeoutMs, () => terminate({ status: "failed", result: "", error: spec.timeoutError, errorCode: "timeout" }));
    }

    child.on("exit", (code, signal) => {
      exited = true;
      if (resultAt !== undefined) supervised.lingeredMs = Date.now() - resultAt;
      // Whatever the CLI left in its group (tool shells, MCP servers) must not outlive the run, and a
      // grandchild holding our stdout open would otherwise keep the streams from closing.
      killGroup("SIGKILL");
      // Give the streams a moment to drain the last lines, but never wait on them for ever.
      later(2000, () => {
        child.stdout.destroy();
        child.stderr.destroy();
        (child.stdio[HANDSHAKE_FD] as Duplex | undefined)?.destroy(); // `close` waits for it too
      });
      child.once("close", () => {
        const rest = splitter.end();
        if (rest !== undefined) onLine(rest);
        decide({ t: "outcome", finish: outcomeFromExit(code, signal, cliErrorDetail(stderrTail)) });
        finishUp();
      });
    });

    let done = false;
    function finishUp() {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      clearTimeout(stallTimer);
      if (!exited) killGroup("SIGKILL");
      resolve(supervised);
    }
  });
}

/** The run is ready and its parent-death signals are armed: let it start the CLI (runtime/sandbox/wrap.ts). */
function answerHandshake(socket: Duplex): void {
  socket.on("error", () => {}); // the run died before or while we answered; its exit is handled as any other
  socket.once("data", () => socket.end("go\n"));
}

function tooLarge(spec: RunSpec): Finish {
  return {
    status: "failed",
    result: "",
    error: `output exceeded CLAUDEGATE_MAX_RESULT_BYTES (${spec.maxResultBytes} bytes)`,
    errorCode: "output_too_large",
  };
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
