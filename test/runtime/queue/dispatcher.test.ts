// The dispatcher against a test double of the CLI pool, whose worker side the test plays by hand: a worker
// thread cannot be made to die from outside a real gateway, so its death (the task promise rejecting without
// `end`) and a worker that says `end` without an outcome are scripted here. Store, event log and queue are real.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../runtime/config";
import { EventLog } from "../../../runtime/events/event-log";
import { EventHub } from "../../../runtime/events/hub";
import { cancelJob, type JobDeps } from "../../../runtime/job/commands";
import type { Job } from "../../../runtime/job/job";
import type { CliPool } from "../../../runtime/queue/cli-pool";
import { Dispatcher } from "../../../runtime/queue/dispatcher";
import { QueuePause } from "../../../runtime/queue/queue-pause";
import type { WorkerMessage } from "../../../runtime/queue/run-protocol";
import { openSqlite, type Sqlite } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";
import type { Webhooks } from "../../../runtime/webhooks/webhooks";
import { waitUntil } from "../../support/gateway-process";

/** One run as the worker side sees it: its port, and the task promise to settle. */
interface FakeRun {
  port: MessagePort;
  post: (m: WorkerMessage) => void;
  resolve: () => void;
  reject: (err: Error) => void;
}

class FakePool {
  readonly runs: FakeRun[] = [];
  run(): { port: MessagePort; done: Promise<void> } {
    const { port1, port2 } = new MessageChannel();
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    this.runs.push({ port: port2, post: (m) => port2.postMessage(m), resolve, reject });
    return { port: port1, done };
  }
}

let db: Sqlite;
let store: JobStore;
let events: EventLog;
let pool: FakePool;
let dispatcher: Dispatcher;
let finished: Job[];
let deps: JobDeps;

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), "cg-dispatch-"));
  const config = loadConfig({ CLAUDEGATE_API_KEYS: "k", CLAUDEGATE_DB_PATH: join(dir, "db"), CLAUDEGATE_CLAUDE_PATH: "/bin/true" });
  const database = openSqlite(join(dir, "db"));
  db = database.db;
  store = new JobStore(database.sql);
  events = new EventLog(database.sql, new EventHub(), 1);
  pool = new FakePool();
  finished = [];
  const webhooks = {
    jobStarted: async () => {},
    jobFinished: async (_tx: unknown, job: Job) => void finished.push(job),
    wake: () => {},
  } as unknown as Webhooks;
  dispatcher = new Dispatcher(config, store, events, pool as unknown as CliPool, new QueuePause(database.sql), webhooks);
  deps = { config, store, events, dispatcher, webhooks, writes: undefined as never };
});
afterEach(() => {
  for (const r of pool.runs) r.port.close();
  db.close();
});

async function startJob(id = "job-1"): Promise<FakeRun> {
  const row = { id, prompt: "hi", systemPrompt: "", model: "sonnet" as const, callbackUrl: "", webhookEvents: ["completed" as const], owner: "", sessionId: id, fork: false };
  // As submitJob does: the row, its session and its first event in one transaction.
  await store.transaction(async (s) => {
    expect(await s.insert({ ...row, metadata: undefined, responseFormat: "", timeoutSeconds: undefined, requestId: "", createdAt: Date.now() }, 10)).toMatchObject({ id, status: "queued" });
    await s.sessions.create({ id, owner: "" });
    await events.writeFirst(s.sql, id, "status", { status: "queued" });
  });
  const runs = pool.runs.length;
  dispatcher.startClaiming();
  await waitUntil(() => pool.runs.length === runs + 1, 5_000, "the job's run to start");
  expect((await store.get(id))!.status).toBe("processing");
  return pool.runs.at(-1)!;
}

const names = async (id: string) => (await events.history(id, 0)).map((e) => e.event);

describe("a run that ends without an outcome", () => {
  it("fails its job at once as run_lost when the worker thread dies", async () => {
    const run = await startJob();
    run.reject(new Error("Worker terminated due to reaching memory limit: JS heap out of memory"));
    await waitUntil(() => dispatcher.runningCount() === 0, 5_000, "the slot to be freed");
    expect(await store.get("job-1")).toMatchObject({
      status: "failed",
      errorCode: "run_lost",
      error: "the worker thread supervising the CLI died: Worker terminated due to reaching memory limit: JS heap out of memory",
    });
    expect(await names("job-1")).toEqual(["status", "status", "result"]);
    expect(finished.map((j) => j.id)).toEqual(["job-1"]);
  });

  it("fails its job at once as run_lost when the worker says end without an outcome", async () => {
    const run = await startJob();
    run.post({ t: "chunk", text: "partial" });
    run.post({ t: "end" });
    run.resolve();
    await waitUntil(() => dispatcher.runningCount() === 0, 5_000, "the slot to be freed");
    expect(await store.get("job-1")).toMatchObject({ status: "failed", errorCode: "run_lost", error: "the CLI run ended without reporting an outcome" });
    expect(await names("job-1")).toEqual(["status", "status", "chunk", "result"]);
    expect(finished).toHaveLength(1);
  });

  it("does not touch a job whose outcome arrived before end", async () => {
    const run = await startJob();
    run.post({ t: "outcome", finish: { status: "completed", result: "ok", error: "", errorCode: "" } });
    run.post({ t: "end" });
    run.resolve();
    await waitUntil(() => dispatcher.runningCount() === 0, 5_000, "the slot to be freed");
    expect(await store.get("job-1")).toMatchObject({ status: "completed", result: "ok", errorCode: "" });
    expect(finished).toHaveLength(1);
  });
});

describe("a closed run's late messages", () => {
  it("are dropped once the job is cancelled: the result stays its last event", async () => {
    const run = await startJob();
    run.post({ t: "chunk", text: "before" });
    await waitUntil(async () => (await names("job-1")).includes("chunk"), 5_000, "the first chunk");
    expect((await cancelJob(deps, "job-1")).ok).toBe(true);
    // What the worker had already posted when the cancel reached it, then its own cancelled outcome.
    run.post({ t: "chunk", text: "late" });
    run.post({ t: "tool_use", name: "Bash", id: "t1", input: "{}" });
    run.post({ t: "retry", attempt: 1, maxRetries: 3, delayMs: 10, errorStatus: 529 });
    run.post({ t: "outcome", finish: { status: "cancelled", result: "", error: "job cancelled by user", errorCode: "cancelled" } });
    run.post({ t: "end" });
    run.resolve();
    await waitUntil(() => dispatcher.runningCount() === 0, 5_000, "the slot to be freed");
    await events.flush();
    expect(await names("job-1")).toEqual(["status", "status", "chunk", "result"]);
    expect(await store.get("job-1")).toMatchObject({ status: "cancelled", errorCode: "cancelled" });
    expect((await store.get("job-1"))!.retrying).toBeUndefined();
    expect(finished).toHaveLength(1);
  });
});

describe("the event log", () => {
  it("stores nothing after a job's result", async () => {
    await startJob();
    events.append("job-1", "result", { status: "completed", result: "", error: "" });
    events.append("job-1", "chunk", { text: "after the end" });
    events.append("job-1", "result", { status: "failed", result: "", error: "again" });
    await events.settle("job-1");
    expect(await names("job-1")).toEqual(["status", "status", "result"]);
  });
});
