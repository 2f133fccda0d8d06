// Supervision of one spawned CLI process, shared by a cold run (workers/cli-task.ts) and a warm one
// (workers/warm-task.ts): its output parsed and posted, the stall watchdog, timeout, cancel, shutdown, and the
// process group signalled as a whole.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { Duplex } from "node:stream";
import type { MessagePort } from "node:worker_threads";
import { LineSplitter } from "../runtime/cli/line-splitter";
import { parseCliLine } from "../runtime/cli/stream-parser";
import { cliMissing, formatLimit, limitFromResult, outcomeFromExit, outcomeFromResult, outputTooLarge, spawnFailed } from "../runtime/cli/outcome";
import { cliErrorDetail } from "../runtime/cli/stderr-detail";
import type { Finish } from "../runtime/job/run-outcome";
import type { MainMessage, RunSpec, WorkerMessage } from "../runtime/queue/run-protocol";
import { HANDSHAKE_FD, type Wrapped } from "../runtime/sandbox/wrap";

const STDERR_TAIL_BYTES = 2048;
type StdioPipe = "pipe";

export interface Supervised {
  /** The result line's session_id, when the run got that far. */
  cliSessionId?: string;
  /** How long the CLI lived on after its result line (undefined: it printed none). */
  lingeredMs?: number;
}

/** Spawns the CLI in its own process group (detached); throws as spawn does (E2BIG, a NUL byte in an argument). */
export function spawnCli(cmd: Wrapped, env: Record<string, string>, cwd: string): ChildProcessWithoutNullStreams {
  const stdio: StdioPipe[] = cmd.handshake ? ["pipe", "pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe"];
  const child = spawn(cmd.file, cmd.args, { cwd, env, detached: true, stdio }) as ChildProcessWithoutNullStreams;
  if (cmd.handshake) answerHandshake(child.stdio[HANDSHAKE_FD] as Duplex);
  return child;
}

/**
 * Supervises a spawned CLI from the moment its prompt is written (`input`, then stdin is closed) until it is
 * gone: the stall watchdog, the timeout, cancel and shutdown, the outcome. Resolves once the CLI is gone.
 */
export function supervise(
  spec: RunSpec,
  child: ChildProcessWithoutNullStreams,
  input: string,
  port: MessagePort,
  post: (m: WorkerMessage) => void,
): Promise<Supervised> {
  return new Promise((resolve) => {
    const supervised: Supervised = {};
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
      decide({ t: "outcome", finish: err.code === "ENOENT" ? cliMissing(spec.command) : spawnFailed("could not start the CLI", err) });
      finishUp();
    });
    if (child.pid !== undefined) post({ t: "spawned", pid: child.pid });

    child.stdin.on("error", () => {}); // EPIPE when the CLI exits before reading its prompt
    child.stdin.end(input);

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
          if (Buffer.byteLength(parsed.result.result) > spec.maxResultBytes) return fail(outputTooLarge(spec.maxResultBytes));
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
      if (textBytes > spec.maxResultBytes) return fail(outputTooLarge(spec.maxResultBytes));
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
      if (!decided && splitter.pending > spec.maxResultBytes + 1024 * 1024) fail(outputTooLarge(spec.maxResultBytes));
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

