// What the API can do to jobs: submit, cancel, delete. Each keeps the store, the running CLI and the event
// log consistent: a cancelled or deleted job always ends its streams with a `result` event.
import { randomUUID } from "node:crypto";
import type { Config } from "../config";
import type { EventLog } from "../events/event-log";
import type { Dispatcher } from "../queue/dispatcher";
import type { JobStore } from "../store/job-store";
import type { WriteBatcher } from "../store/write-batcher";
import type { Webhooks } from "../webhooks/webhooks";
import { log, jobFields } from "../log";
import { jobSubmitted } from "../metrics/observe";
import { finishJob } from "./finish";
import { isTerminal, type Job } from "./job";
import type { SubmitBody } from "./submit-schema";
import { agentOptionsOf, type AgentOptions } from "./agent-options";

export interface JobDeps {
  config: Config;
  store: JobStore;
  events: EventLog;
  dispatcher: Dispatcher;
  webhooks: Webhooks;
  writes: WriteBatcher;
}

export type SubmitResult = { ok: true; job: Job } | { ok: false; reason: "queue_full" | "key_queue_full" | "session_not_found" };

export interface SubmitOptions {
  /** The tenant key's id, '' for an operator key. */
  owner: string;
  /** The most jobs this owner may have waiting (its policy's max_queued). */
  maxQueued?: number;
  /** The metadata's JSON text as sent (absent when the field was). */
  rawMetadata?: string;
  /** Runs in the insert's transaction, so what it records (an idempotency key) exists exactly when the job does. */
  alongside?: (job: Job) => void;
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

export async function submitJob(deps: JobDeps, body: SubmitBody, opts: SubmitOptions, now = Date.now()): Promise<SubmitResult> {
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
  // Submits arriving together share one commit; this resolves once ours is stored.
  const r = await deps.writes.run((): SubmitResult => {
    // Looked up in the insert's transaction: a session deleted a moment ago gets no new turn.
    if (body.session_id !== undefined) {
      const session = deps.store.sessions.get(body.session_id);
      if (!session || !canUse(session.owner)) return { ok: false, reason: "session_not_found" };
      if (opts.afterTurn !== undefined && deps.store.sessions.latestTurn(body.session_id) !== opts.afterTurn) return { ok: false, reason: "session_not_found" };
    }
    const refused = deps.store.insert(row, deps.config.queueSize, opts.maxQueued);
    if (refused) return { ok: false, reason: refused };
    if (continued) deps.store.sessions.touch(sessionId, now);
    else deps.store.sessions.create({ id: sessionId, owner: opts.owner, parentId: body.fork ? body.session_id : undefined }, now);
    const created = deps.store.get(id)!;
    // A queued job may wait long; its next event is numbered from the table, not kept in memory meanwhile.
    deps.events.appendFirst(id, "status", { status: "queued" });
    opts.alongside?.(created);
    return { ok: true, job: created };
  });
  if (!r.ok) return r;
  jobSubmitted(r.job);
  log("info", "job submitted", { ...jobFields(r.job), model: r.job.model });
  deps.dispatcher.pump();
  return r;
}

export type CancelResult = { ok: true; job: Job } | { ok: false; reason: "not_found" | "terminal" };

export function cancelJob(deps: JobDeps, id: string): CancelResult {
  const job = finishJob(deps, () => deps.store.cancel(id));
  if (!job) return { ok: false, reason: deps.store.get(id) ? "terminal" : "not_found" };
  deps.dispatcher.cancel(id); // kills the CLI's process group if it was running
  return { ok: true, job };
}

/** Deletes a job in any state; a queued or running one is cancelled first, so its CLI and streams end. */
export function deleteJob(deps: JobDeps, id: string): boolean {
  const job = deps.store.get(id);
  if (!job) return false;
  if (!isTerminal(job.status)) cancelJob(deps, id);
  deps.events.forget(id);
  return deps.store.delete(id); // its events, webhook deliveries (pending ones too) and idempotency records go with it
}
