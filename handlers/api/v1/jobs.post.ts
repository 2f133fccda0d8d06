import { defineEventHandler, getRequestHeader, setResponseHeader, setResponseStatus } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { isValidIdempotencyKey, sha256 } from "../../../runtime/job/idempotency";
import { handleSubmit, limitSubmitRate } from "../../../runtime/job/submit-request";
import { readJsonBody } from "../../../runtime/http/body";
import { httpError } from "../../../runtime/http/errors";
import { principalOf } from "../../../runtime/tenants/principal";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const apiKey: string = event.context.apiKey;
  const principal = principalOf(event);
  // Counted here rather than in the middleware, so every path the router sends to this handler counts.
  await limitSubmitRate(g, apiKey, principal);

  const idempotencyKey = getRequestHeader(event, "idempotency-key");
  if (idempotencyKey !== undefined && !isValidIdempotencyKey(idempotencyKey)) {
    throw httpError(400, "Idempotency-Key must be 1 to 255 printable ASCII characters");
  }
  const scope = sha256(apiKey);
  if (idempotencyKey !== undefined && !g.idempotency.begin(scope, idempotencyKey)) {
    throw httpError(409, "a request with this Idempotency-Key is still being handled");
  }
  try {
    const { value, text } = await readJsonBody(event);
    const r = await handleSubmit(g, { value, text, scope, idempotencyKey, principal, requestId: event.context.requestId });
    setResponseStatus(event, r.status);
    setResponseHeader(event, "Location", `/api/v1/jobs/${r.jobId}`);
    if (r.replayed) setResponseHeader(event, "Idempotent-Replayed", "true");
    setResponseHeader(event, "Content-Type", "application/json");
    return r.body;
  } finally {
    if (idempotencyKey !== undefined) g.idempotency.end(scope, idempotencyKey);
  }
});
