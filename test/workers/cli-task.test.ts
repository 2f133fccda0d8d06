// The worker task itself, run in this thread: a CLI that cannot even be spawned is still an outcome, posted
// before `end`. Node throws from spawn() (instead of emitting `error`) for E2BIG or a NUL byte in an argument;
// before, that throw skipped the outcome and the job stayed `processing` for ever.
import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import runCliTask from "../../workers/cli-task";
import type { RunSpec, WorkerMessage } from "../../runtime/queue/run-protocol";
import { FAKE_CLI } from "../support/gateway-process";

function spec(argv: string[]): RunSpec {
  return {
    jobId: "job-1",
    command: FAKE_CLI,
    argv,
    env: { PATH: process.env.PATH ?? "" },
    stdin: "hi",
    systemPrompt: "",
    timeoutMs: 10_000,
    timeoutError: "job timed out after 10s",
    stallMs: 0,
    maxResultBytes: 1024 * 1024,
    json: false,
  structured: false,
    lingerMs: 100,
    termGraceMs: 100,
    operatorConfigDir: "/nonexistent-claude-config",
    workspace: { files: [], limits: { maxFileBytes: 1024, maxBytes: 4096 } },
  };
}

/** Runs the task and collects what it posts, up to and including `end`. */
async function messagesOf(s: RunSpec): Promise<WorkerMessage[]> {
  const { port1, port2 } = new MessageChannel();
  const got: WorkerMessage[] = [];
  const ended = new Promise<void>((resolve) =>
    port1.on("message", (m: WorkerMessage) => {
      got.push(m);
      if (m.t === "end") resolve();
    }),
  );
  await runCliTask({ spec: s, port: port2 });
  await ended;
  port1.close();
  return got;
}

describe("a CLI that cannot be spawned", () => {
  it.each([
    ["a NUL byte in an argument", ["-p", "a\u0000b"], "ERR_INVALID_ARG_VALUE"],
    ["an argument over Linux's 128 KiB limit", ["-p", "x".repeat(200_000)], "E2BIG"],
  ])("posts a spawn_failed outcome before end for %s", async (_what, argv, code) => {
    expect(await messagesOf(spec(argv))).toEqual([
      { t: "outcome", finish: { status: "failed", result: "", error: `could not start the CLI (${code})`, errorCode: "spawn_failed" } },
      { t: "end" },
    ]);
  });
});
