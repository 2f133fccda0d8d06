// A submit request after its body has been read: an Idempotency-Key replay, or validation and a new job.
// Returns what the response must carry; throws the API's errors.
import type { Gateway } from "../gateway";
import { httpError } from "../http/errors";
import { rawJsonMember } from "../http/raw-json-member";
import { parseOrThrow } from "../http/validate";
import { submitJob } from "./commands";
import { sha256 } from "./idempotency";
import { renderJob } from "./render";
import { overOperatorTimeout, submitSchema } from "./submit-schema";
import { ownerOf, tenantOf, type Principal } from "../tenants/principal";
import { admit } from "../tenants/admission";

export interface SubmitRequest {
  /** The parsed body and its text. */
  value: unknown;
  text: string;
  /** SHA-256 of the API key: the Idempotency-Key's scope. */
  scope: string;
  idempotencyKey?: string;
  principal: Principal;
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
export function limitSubmitRate(g: Pick<Gateway, "rateLimiter">, apiKey: string, principal: Principal): void {
  const wait = g.rateLimiter.take(apiKey, Date.now(), tenantOf(principal)?.limits.rate_limit);
  if (wait > 0) throw httpError(429, "rate limit exceeded, slow down", { "Retry-After": String(wait) });
}

export async function handleSubmit(g: Gateway, req: SubmitRequest): Promise<SubmitResponse> {
  const bodyHash = sha256(req.text);
  if (req.idempotencyKey !== undefined) {
    const prior = g.idempotency.lookup(req.scope, req.idempotencyKey);
    if (prior) {
      if (prior.bodyHash !== bodyHash) throw httpError(422, "Idempotency-Key was already used with a different request body");
      return { status: prior.statusCode, jobId: prior.jobId, body: prior.response, replayed: true };
    }
  }
  const { value } = req;
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) throw httpError(400, "invalid JSON body");
  const body = parseOrThrow(submitSchema, value ?? {});
  const tooLong = overOperatorTimeout(body.timeout_seconds, g.config.jobTimeoutMs);
  if (tooLong) throw httpError(400, tooLong);
  // Metadata is stored as the client wrote it (compacted), so big numbers survive.
  const metadata = body.metadata === undefined ? undefined : rawJsonMember(req.text, "metadata");
  const tenant = tenantOf(req.principal);
  const policy = tenant?.limits;
  if (tenant) admit(g.ledger, tenant, body.model || g.config.defaultModel);
  let response = "";
  const submitted = await submitJob(g.jobs, body, {
    owner: ownerOf(req.principal),
    maxQueued: policy?.max_queued,
    rawMetadata: metadata,
    alongside: (job) => {
      response = renderJob(g, job);
      // Recorded in the job's own transaction: the key exists exactly when the job does.
      if (req.idempotencyKey !== undefined) {
        g.idempotency.save(req.scope, req.idempotencyKey, { bodyHash, statusCode: 202, response, jobId: job.id });
      }
    },
    requestId: req.requestId,
  });
  if (!submitted.ok && submitted.reason === "key_queue_full") {
    throw httpError(429, `this key already has ${policy?.max_queued} jobs queued (policy.max_queued)`);
  }
  if (!submitted.ok) throw httpError(503, "server busy, retry later");
  return { status: 202, jobId: submitted.job.id, body: response, replayed: false, createdAt: submitted.job.createdAt };
}
