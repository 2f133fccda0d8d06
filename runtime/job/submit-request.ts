// A submit request after its body has been read: an Idempotency-Key replay, or validation and a new job.
// Returns what the response must carry; throws the API's errors.
import type { Gateway } from "../gateway";
import { refuse } from "../domain-error";
import { rawJsonMember } from "../http/raw-json-member";
import { parseOrThrow } from "../http/validate";
import { submitJob } from "./commands";
import { sha256 } from "./idempotency";
import { schemaError } from "./json-schema-check";
import { agentOptionsOf, effectiveTools, optionsPolicyError } from "./agent-options";
import { renderJob } from "./render";
import { FORK_WITHOUT_SESSION_ERROR, overOperatorTimeout, submitSchema } from "./submit-schema";
import { canSee, ownerOf, tenantOf, type Principal } from "../tenants/principal";
import { admit } from "../tenants/admission";
import type { Sql } from "../store/sql/sql";
import type { StoredResponse } from "./idempotency";

export interface SubmitRequest {
  /** The parsed body and its text. */
  value: unknown;
  text: string;
  /** SHA-256 of the API key: the Idempotency-Key's scope. */
  scope: string;
  idempotencyKey?: string;
  principal: Principal;
  /** Runs in the job's insert transaction (the compatible APIs record the job's conversation there). */
  alongside?: (tx: Sql, jobId: string) => Promise<void>;
  /** With session_id: the turn that must still be the session's latest (else 404, as for a missing session). */
  afterTurn?: string;
  /** The request's X-Request-ID, stored with the job. */
  requestId?: string;
}

export interface SubmitResponse {
  status: number;
  jobId: string;
  body: string;
  replayed: boolean;
  /** The new job's created_at (epoch ms); absent for a replay. */
  createdAt?: number;
}

/**
 * Counts a submit against its key's rate, and throws the 429 when it is over. Called before the body is read, so
 * a flood costs as little as possible. POST /api/v1/jobs and the compatible APIs share one bucket per key; a
 * tenant key's policy may set its own rate.
 */
export async function limitSubmitRate(g: Pick<Gateway, "rateLimiter">, apiKey: string, principal: Principal): Promise<void> {
  const wait = await g.rateLimiter.take(apiKey, Date.now(), tenantOf(principal)?.limits.rate_limit);
  if (wait > 0) throw refuse("too_many", "rate limit exceeded, slow down", wait);
}

function replayOf(prior: StoredResponse, bodyHash: string): SubmitResponse {
  if (prior.bodyHash !== bodyHash) throw refuse("mismatch", "Idempotency-Key was already used with a different request body");
  return { status: prior.statusCode, jobId: prior.jobId, body: prior.response, replayed: true };
}

export async function handleSubmit(g: Gateway, req: SubmitRequest): Promise<SubmitResponse> {
  const bodyHash = sha256(req.text);
  const idempotencyKey = req.idempotencyKey;
  if (idempotencyKey !== undefined) {
    const prior = await g.idempotency.lookup(req.scope, idempotencyKey);
    if (prior) return replayOf(prior, bodyHash);
  }
  const { value } = req;
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) throw refuse("invalid", "invalid JSON body");
  const body = parseOrThrow(submitSchema, value ?? {});
  const tooLong = overOperatorTimeout(body.timeout_seconds, g.config.jobTimeoutMs);
  if (tooLong) throw refuse("invalid", tooLong);
  if (body.fork && body.session_id === undefined) throw refuse("invalid", FORK_WITHOUT_SESSION_ERROR);
  const badSchema = body.json_schema && schemaError(body.json_schema);
  if (badSchema) throw refuse("invalid", `json_schema is not a valid JSON Schema: ${badSchema}`);
  // Metadata is stored as the client wrote it (compacted), so big numbers survive.
  const metadata = body.metadata === undefined ? undefined : rawJsonMember(req.text, "metadata");
  const tenant = tenantOf(req.principal);
  const policy = tenant?.limits;
  const options = agentOptionsOf(body);
  const refused = options && optionsPolicyError(options, {
    allowedTools: g.config.allowedTools,
    allowedPermissionModes: g.config.allowedPermissionModes,
    mcpServers: Object.keys(g.config.mcpServers),
    keyTools: policy?.tools,
    keyModels: policy?.models,
    allowedModels: g.config.allowedModels,
  });
  if (refused) throw refuse("invalid", refused);
  const model = body.model || g.config.defaultModel;
  if (g.config.allowedModels.length && !g.config.allowedModels.includes(model)) {
    throw refuse("invalid", `model "${model}" is not allowed (CLAUDEGATE_ALLOWED_MODELS: ${g.config.allowedModels.join(",")})`);
  }
  // A key limited to some tools runs with those of the operator's it may use, unless the job names its own.
  const tools = policy?.tools && !options?.tools ? effectiveTools(options, g.config.allowedTools, policy.tools) : undefined;
  if (tenant) await admit(g.ledger, tenant, body.model || g.config.defaultModel);
  let response = "";
  const submitted = await submitJob(g.jobs, body, {
    owner: ownerOf(req.principal),
    maxQueued: policy?.max_queued,
    rawMetadata: metadata,
    canUseSession: (owner) => canSee(req.principal, owner),
    afterTurn: req.afterTurn,
    options: tools ? { ...options, tools } : options,
    // Another instance may be submitting with the same key right now: the first to commit wins, the other replays.
    before: idempotencyKey === undefined ? undefined : (tx) => g.idempotency.claim(tx, req.scope, idempotencyKey),
    alongside: async (tx, job) => {
      await req.alongside?.(tx, job.id);
      response = renderJob(g, job);
      // Recorded in the job's own transaction: the key exists exactly when the job does.
      if (idempotencyKey !== undefined) {
        await g.idempotency.save(tx, req.scope, idempotencyKey, { bodyHash, statusCode: 202, response, jobId: job.id });
      }
    },
    requestId: req.requestId,
  });
  if (!submitted.ok && submitted.reason === "replay") return replayOf(submitted.prior, bodyHash);
  if (!submitted.ok && submitted.reason === "key_queue_full") {
    throw refuse("too_many", `this key already has ${policy?.max_queued} jobs queued (policy.max_queued)`);
  }
  if (!submitted.ok && submitted.reason === "session_not_found") throw refuse("not_found", "session not found");
  if (!submitted.ok) throw refuse("busy", "server busy, retry later");
  return { status: 202, jobId: submitted.job.id, body: response, replayed: false, createdAt: submitted.job.createdAt };
}
