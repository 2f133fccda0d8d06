import { defineEventHandler, getRequestHeader, setResponseHeader, setResponseStatus } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { submitJob } from "../../../runtime/job/commands";
import { isValidIdempotencyKey, sha256 } from "../../../runtime/job/idempotency";
import { renderJob } from "../../../runtime/job/render";
import { submitSchema } from "../../../runtime/job/submit-schema";
import { readJsonBody } from "../../../runtime/http/body";
import { rawJsonMember } from "../../../runtime/http/raw-json-member";
import { httpError } from "../../../runtime/http/errors";
import { parseOrThrow } from "../../../runtime/http/validate";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const apiKey: string = event.context.apiKey;
  // Counted here rather than in the middleware, so every path the router sends to this handler counts; and
  // before the body is read, as the original, so a flood costs as little as possible.
  const wait = g.rateLimiter.take(apiKey);
  if (wait > 0) throw httpError(429, "rate limit exceeded, slow down", { "Retry-After": String(wait) });

  const idemKey = getRequestHeader(event, "idempotency-key");
  if (idemKey !== undefined && !isValidIdempotencyKey(idemKey)) {
    throw httpError(400, "Idempotency-Key must be 1 to 255 printable ASCII characters");
  }
  const scope = sha256(apiKey);
  if (idemKey !== undefined && !g.idempotency.begin(scope, idemKey)) {
    throw httpError(409, "a request with this Idempotency-Key is still being handled");
  }
  try {
    const { value, text } = await readJsonBody(event);
    const replay = idemKey === undefined ? undefined : g.idempotency.lookup(scope, idemKey);
    if (replay) {
      if (replay.bodyHash !== sha256(text)) throw httpError(422, "Idempotency-Key was already used with a different request body");
      setResponseStatus(event, replay.statusCode);
      setResponseHeader(event, "Location", `/api/v1/jobs/${replay.jobId}`);
      setResponseHeader(event, "Idempotent-Replayed", "true");
      setResponseHeader(event, "Content-Type", "application/json");
      return replay.response;
    }
    if (value !== null && (typeof value !== "object" || Array.isArray(value))) throw httpError(400, "invalid JSON body");
    const body = parseOrThrow(submitSchema, value ?? {});
    // Metadata is stored as the client wrote it (compacted), so big numbers survive.
    const metadata = body.metadata === undefined ? undefined : rawJsonMember(text, "metadata");
    let response = "";
    const submitted = submitJob(g.jobs, body, metadata, (job) => {
      response = renderJob(g, job);
      if (idemKey !== undefined) g.idempotency.save(scope, idemKey, { bodyHash: sha256(text), statusCode: 202, response, jobId: job.id });
    });
    if (!submitted.ok) throw httpError(503, "server busy, retry later");
    setResponseStatus(event, 202);
    setResponseHeader(event, "Location", `/api/v1/jobs/${submitted.job.id}`);
    setResponseHeader(event, "Content-Type", "application/json");
    return response;
  } finally {
    if (idemKey !== undefined) g.idempotency.end(scope, idemKey);
  }
});
