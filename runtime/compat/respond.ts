// One request of a compatible API, from its body to its answer: the rate limit and the submit path of
// POST /api/v1/jobs (so the job is validated, queued, counted and visible like any other, with its id in
// `X-ClaudeGate-Job-ID`), then the answer from the job's events in the API's own dialect.
import { DomainError } from "../domain-error";
import { readJsonBody } from "../http/body";
import type { H3Event } from "h3";
import { setResponseHeader } from "h3";
import type { Gateway } from "../gateway";
import { cancelJob } from "../job/commands";
import { sha256 } from "../job/idempotency";
import { handleSubmit, limitSubmitRate, type SubmitResponse } from "../job/submit-request";
import type { Answer, AnswerContext } from "./answer";
import { faultError, type Parsed } from "./errors";
import { jobFault, NO_RETRY } from "./job-fault";
import type { CompatRequest } from "./request";
import { awaitOutcome, streamOutcome } from "./serve";
import { principalOf } from "../tenants/principal";
import { fingerprint, priorExchange } from "./continuation";

export const JOB_ID_HEADER = "X-ClaudeGate-Job-ID";

/** A JSON answer's text deltas are not the stored result (fences stripped, or a tool's input): send it whole. */
const wholeAtEnd = (req: CompatRequest) => req.submit.response_format === "json" || req.submit.json_schema !== undefined;

export async function respond(
  event: H3Event,
  g: Gateway,
  parse: (body: unknown, allowedModels: readonly string[]) => Parsed<CompatRequest>,
  makeAnswer: (ctx: AnswerContext) => Answer,
): Promise<object | undefined> {
  const apiKey: string = event.context.apiKey;
  const principal = principalOf(event);
  await limitSubmitRate(g, apiKey, principal); // the bucket and rate of POST /api/v1/jobs
  const { value } = await readJsonBody(event);
  const parsed = parse(value, g.config.allowedModels);
  if (!parsed.ok) throw faultError(parsed.fault);
  const req = parsed.value;

  const scope = sha256(apiKey);
  // This request's conversation, recorded on its job; a later request that repeats it plus the answer continues.
  const heard = fingerprint(scope, req.conversation.system, req.conversation.turns);
  const submit = (body: CompatRequest["submit"], afterTurn?: string) =>
    handleSubmit(g, { value: body, text: JSON.stringify(body), scope, principal, requestId: event.context.requestId, afterTurn, alongside: (tx, id) => g.conversations.in(tx).mark(id, heard) });
  const prior = priorExchange(scope, req.conversation);
  const match = prior && (await g.conversations.continuable(prior.fingerprint, prior.answer));
  const submitted = match ? await continueOrReplay(submit, req, match) : await submit(req.submit);
  const jobId = submitted.jobId;
  setResponseHeader(event, JOB_ID_HEADER, jobId);
  const created = Math.floor((submitted.createdAt ?? Date.now()) / 1000); // no replay here: it has no Idempotency-Key
  const answer = makeAnswer({ jobId, model: req.model, created, includeUsage: req.includeUsage });
  const cancel = g.config.compatCancelOnDisconnect ? () => void cancelJob(g.jobs, jobId) : undefined;
  const res = event.node.res;

  if (req.stream) {
    await streamOutcome(res, jobId, answer, g, { cancel, json: wholeAtEnd(req) });
    return undefined;
  }
  const outcome = await awaitOutcome(res, jobId, g, { cancel });
  if (!outcome) return undefined; // the client went away; the job's answer stays in the job API
  if (outcome.status !== "completed") throw faultError(jobFault(jobId, outcome), NO_RETRY);
  return answer.complete(outcome);
}

/**
 * The last message as the next turn of the session that answered the rest. A session deleted, or given another
 * turn (a concurrent request continuing the same point), between the match and the insert (404) leaves the
 * transcript, as if nothing had matched.
 */
async function continueOrReplay(
  submit: (body: CompatRequest["submit"], afterTurn?: string) => Promise<SubmitResponse>,
  req: CompatRequest,
  match: { sessionId: string; jobId: string },
) {
  try {
    return await submit({ ...req.submit, prompt: req.conversation.turns.at(-1)!.text, session_id: match.sessionId }, match.jobId);
  } catch (err) {
    if (!(err instanceof DomainError && err.refusal === "not_found")) throw err;
    return submit(req.submit);
  }
}
