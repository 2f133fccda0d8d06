import { defineEventHandler, setResponseHeader, setResponseStatus } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { submitJob } from "../../../runtime/job/commands";
import { renderJob } from "../../../runtime/job/render";
import { submitSchema } from "../../../runtime/job/submit-schema";
import { readJsonBody } from "../../../runtime/http/body";
import { httpError } from "../../../runtime/http/errors";
import { parseOrThrow } from "../../../runtime/http/validate";

export default defineEventHandler(async (event) => {
  const raw = await readJsonBody(event);
  if (raw !== null && (typeof raw !== "object" || Array.isArray(raw))) throw httpError(400, "invalid JSON body");
  const body = parseOrThrow(submitSchema, raw ?? {});
  const g = useGateway();
  const submitted = submitJob(g.jobs, body);
  if (!submitted.ok) throw httpError(503, "server busy, retry later");
  setResponseStatus(event, 202);
  setResponseHeader(event, "Location", `/api/v1/jobs/${submitted.job.id}`);
  setResponseHeader(event, "Content-Type", "application/json");
  return renderJob(g, submitted.job);
});
