// What the API can do to jobs: submit, cancel, delete. Each keeps the store, the running CLI and the event
// log consistent: a cancelled or deleted job always ends its streams with a `result` event, and a job running
// on another instance is told to stop (through `cluster`).
import { randomUUID } from "node:crypto";
import type { Config } from "../config";
import type { EventLog } from "../events/event-log";
import type { Dispatcher } from "../queue/dispatcher";
import type { JobStore } from "../store/job-store";
import type { Sql } from "../store/sql/sql";
import type { WriteBatcher } from "../store/write-batcher";
import type { Webhooks } from "../webhooks/webhooks";
import { log, jobFields } from "../log";
import { jobSubmitted } from "../metrics/observe";
import { finishJob } from "./finish";
import { isTerminal, type Job } from "./job";
import type { SubmitBody } from "./submit-schema";
import { agentOptionsOf, type AgentOptions } from "./agent-options";

/** What other instances must hear of (PostgreSQL NOTIFY; nothing with one SQLite gateway). */
export interface ClusterSignals {
  /** In the transaction that ended a job: the instance running it stops its CLI. */
  jobEnded(tx: Sql, jobId: string): Promise<void>;
  /** A queued job exists: idle instances claim. */
  jobQueued(tx: Sql): Promise<void>;
}

export interface JobDeps {
  config: Config;
  store: JobStore;
  events: EventLog;
  dispatcher: Dispatcher;
  webhooks: Webhooks;
  writes: WriteBatcher;
  cluster?: ClusterSignals;
}

export type SubmitResult<R = never> =
  | { ok: true; job: Job }
  | { ok: false; reason: "queue_full" | "key_queue_full" | "session_not_found" }
  | { ok: false; reason: "replay"; prior: R };

export interface SubmitOptions<R = never> {
  /** The tenant key's id, '' for an operator key. */
  owner: string;
  /** The most jobs this owner may have waiting (its policy's max_queued). */
  maxQueued?: number;
  /** The metadata's JSON text as sent (absent when the field was). */
  rawMetadata?: string;
  /** Runs first in the insert's transaction: what it returns (an earlier request's answer) is answered instead. */
  before?: (tx: Sql) => Promise<R | undefined>;
  /** Runs in the insert's transaction, so what it records (an idempotency key) exists exactly when the job does. */
  alongside?: (tx: Sql, job: Job) => Promise<void>;
  /** Whether the submitter may continue a session owned by `owner` (default: only its own). */
  canUseSession?: (owner: string) => boolean;
  /** With session_id: the turn that must still be the session's latest when this one is inserted, else it is
   *  refused as `session_not_found` (the compatible APIs' continuation, made when that turn was the latest). */
  afterTurn?: string;
  /** The agent options as allowed (tools narrowed to the key's policy); default: the body's own. */
  options?: AgentOptions;
  /** The submit's X-Request-ID, kept with the job for its log lines. */
  requestId?: string;
}

export async function submitJob<R = never>(deps: JobDeps, body: SubmitBody, opts: SubmitOptions<R>, now = Date.now()): Promise<SubmitResult<R>> {
  const id = randomUUID();
  const continued = body.session_id !== undefined && !body.fork ? body.session_id : undefined;
  const sessionId = continued ?? randomUUID();
  const canUse = opts.canUseSession ?? ((owner: string) => owner === opts.owner);
  const row = {
    id,
    prompt: body.prompt,
    systemPrompt: body.system_prompt ?? "",
    model: body.model || deps.config.defaultModel,
    callbackUrl: body.callback_url ?? "",
    webhookEvents: body.webhook_events_filter ?? ["completed"],
    // `"metadata": null` is kept as null, an absent field stays absent (as the original).
    metadata: opts.rawMetadata,
    responseFormat: body.response_format ?? "",
    jsonSchema: body.json_schema === undefined ? undefined : JSON.stringify(body.json_schema),
    timeoutSeconds: body.timeout_seconds,
    requestId: opts.requestId ?? "",
    createdAt: now,
    owner: opts.owner,
    sessionId,
    fork: body.fork === true,
    options: opts.options ?? agentOptionsOf(body),
  };
  // On SQLite, submits arriving together share one commit; this resolves once ours is stored.
  const r = await deps.writes.run(async (tx): Promise<{ result: SubmitResult<R>; first?: Parameters<EventLog["publish"]>[0] }> => {
    const prior = await opts.before?.(tx);
    if (prior !== undefined) return { result: { ok: false, reason: "replay", prior } };
    const store = deps.store.in(tx);
    // Looked up in the insert's transaction: a session deleted a moment ago gets no new turn.
    if (body.session_id !== undefined) {
      const session = await store.sessions.get(body.session_id);
      if (!session || !canUse(session.owner)) return { result: { ok: false, reason: "session_not_found" } };
      if (opts.afterTurn !== undefined && (await store.sessions.latestTurn(body.session_id)) !== opts.afterTurn) {
        return { result: { ok: false, reason: "session_not_found" } };
      }
    }
    const created = await store.insert(row, deps.config.queueSize, opts.maxQueued);
    if (typeof created === "string") return { result: { ok: false, reason: created } };
    if (continued) await store.sessions.touch(sessionId, now);
    else await store.sessions.create({ id: sessionId, owner: opts.owner, parentId: body.fork ? body.session_id : undefined }, now);
    // Written with the job: whichever instance claims it numbers its next events after this one.
    const first = await deps.events.writeFirst(tx, id, "status", { status: "queued" });
    await opts.alongside?.(tx, created);
    await deps.cluster?.jobQueued(tx);
    return { result: { ok: true, job: created }, first: [first] };
  });
  if (!r.result.ok) return r.result;
  deps.events.publish(r.first ?? []);
  jobSubmitted(r.result.job);
  log("info", "job submitted", { ...jobFields(r.result.job), model: r.result.job.model });
  deps.dispatcher.pump();
  return r.result;
}

export type CancelResult = { ok: true; job: Job } | { ok: false; reason: "not_found" | "terminal" };

export async function cancelJob(deps: JobDeps, id: string, opts: { webhook?: boolean } = {}): Promise<CancelResult> {
  // The run here (if any) stops first: its CLI's process group is killed and nothing it says is kept, so a
  // dense stream of chunks cannot keep the cancel waiting behind their writes. A job that ended meanwhile had
  // nothing left to run. Elsewhere, the instance running it hears of the end (jobEnded).
  deps.dispatcher.cancel(id);
  const announceEnd = deps.cluster && ((tx: Sql, jobId: string) => deps.cluster!.jobEnded(tx, jobId));
  const job = await finishJob({ ...deps, announceEnd }, id, (store) => store.cancel(id), opts);
  if (!job) return { ok: false, reason: (await deps.store.ownerOf(id)) !== undefined ? "terminal" : "not_found" };
  return { ok: true, job };
}

/** Deletes a job in any state; a queued or running one is cancelled first, so its CLI and streams end. */
export async function deleteJob(deps: JobDeps, id: string): Promise<boolean> {
  const job = await deps.store.get(id);
  if (!job) return false;
  if (!isTerminal(job.status)) await cancelJob(deps, id, { webhook: false }); // its delivery would go with it anyway
  deps.events.forget(id);
  return deps.store.delete(id); // its events, webhook deliveries (pending ones too) and idempotency records go with it
}
