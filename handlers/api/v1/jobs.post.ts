import { defineEventHandler, setResponseHeader, setResponseStatus } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { submitJob } from "../../../runtime/job/commands";
import { renderJob } from "../../../runtime/job/render";
import { submitSchema } from "../../../runtime/job/submit-schema";
import { readJsonBody } from "../../../runtime/http/body";
import { rawJsonMember } from "../../../runtime/http/raw-json-member";
import { httpError } from "../../../runtime/http/errors";
import { parseOrThrow } from "../../../runtime/http/validate";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  // Counted here rather than in the middleware, so every path the router sends to this handler counts; and
  // before the body is read, as the original, so a flood costs as little as possible.
  const wait = g.rateLimiter.take(event.context.apiKey);
  if (wait > 0) throw httpError(429, "rate limit exceeded, slow down", { "Retry-After": String(wait) });
  const { value, text } = await readJsonBody(event);
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) throw httpError(400, "invalid JSON body");
  const body = parseOrThrow(submitSchema, value ?? {});
  // Metadata is stored as the client wrote it (compacted), so big numbers survive.
  const metadata = body.metadata === undefined ? undefined : rawJsonMember(text, "metadata");
  const submitted = submitJob(g.jobs, body, metadata);
  if (!submitted.ok) throw httpError(503, "server busy, retry later");
  setResponseStatus(event, 202);
  setResponseHeader(event, "Location", `/api/v1/jobs/${submitted.job.id}`);
  setResponseHeader(event, "Content-Type", "application/json");
  return renderJob(g, submitted.job);
});
