// One request of a compatible API, from its body to its answer: the rate limit and the submit path of
// POST /api/v1/jobs (so the job is validated, queued, counted and visible like any other, with its id in
// `X-ClaudeGate-Job-ID`), then the answer from the job's events in the API's own dialect.
import { readJsonBody } from "../http/body";
import type { H3Event } from "h3";
import { setResponseHeader } from "h3";
import type { Gateway } from "../gateway";
import { cancelJob } from "../job/commands";
import { sha256 } from "../job/idempotency";
import { handleSubmit } from "../job/submit-request";
import type { Answer, AnswerContext } from "./answer";
import { faultError, type Parsed } from "./errors";
import { jobFault, NO_RETRY } from "./job-fault";
import type { CompatRequest } from "./request";
import { awaitOutcome, streamOutcome } from "./serve";
import { principalOf } from "../tenants/principal";

export const JOB_ID_HEADER = "X-ClaudeGate-Job-ID";

/** A JSON answer's text deltas are not the stored result (fences stripped, or a tool's input): send it whole. */
const wholeAtEnd = (req: CompatRequest) => req.submit.response_format === "json" || req.submit.json_schema !== undefined;

export async function respond(
  event: H3Event,
  g: Gateway,
  parse: (body: unknown) => Parsed<CompatRequest>,
  makeAnswer: (ctx: AnswerContext) => Answer,
): Promise<object | undefined> {
  const apiKey: string = event.context.apiKey;
  const principal = principalOf(event);
  // The same bucket and rate as POST /api/v1/jobs: a tenant key's policy may set its own rate.
  const rate = principal.kind === "tenant" ? principal.key.limits.rate_limit : undefined;
  const wait = g.rateLimiter.take(apiKey, Date.now(), rate);
  if (wait > 0) throw faultError({ status: 429, message: "rate limit exceeded, slow down" }, { "Retry-After": String(wait) });
  const { value } = await readJsonBody(event);
  const parsed = parse(value);
  if (!parsed.ok) throw faultError(parsed.fault);
  const req = parsed.value;

  const submitted = await handleSubmit(g, {
    value: req.submit,
    text: JSON.stringify(req.submit),
    scope: sha256(apiKey),
    principal,
    requestId: event.context.requestId,
  });
  const jobId = submitted.jobId;
  setResponseHeader(event, JOB_ID_HEADER, jobId);
  const created = Math.floor((g.store.get(jobId)?.createdAt ?? Date.now()) / 1000);
  const answer = makeAnswer({ jobId, model: req.model, created, includeUsage: req.includeUsage });
  const cancel = g.config.compatCancelOnDisconnect ? () => void cancelJob(g.jobs, jobId) : undefined;
  const res = event.node.res;

  if (req.stream) {
    await streamOutcome(res, jobId, answer, g, { cancel, heartbeatMs: g.config.sseHeartbeatMs, json: wholeAtEnd(req) });
    return undefined;
  }
  const outcome = await awaitOutcome(res, jobId, g, { cancel });
  if (!outcome) return undefined; // the client went away; the job's answer stays in the job API
  if (outcome.status !== "completed") throw faultError(jobFault(jobId, outcome), NO_RETRY);
  return answer.complete(outcome);
}
