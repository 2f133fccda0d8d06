import { defineEventHandler, getQuery, getRequestHeader, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { renderJob } from "../../../../../runtime/job/render";
import { openJobStream, resumeAfter } from "../../../../../runtime/sse/job-stream";
import { httpError } from "../../../../../runtime/http/errors";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const after = resumeAfter(getRequestHeader(event, "last-event-id"), getQuery(event).after);
  if (after === "invalid") throw httpError(400, "Last-Event-ID and after must be a non-negative integer");
  const id = getRouterParam(event, "id", { decode: true })!;
  const streaming = openJobStream(event.node.res, id, after, { ...g, render: (job) => renderJob(g, job) });
  if (streaming === false) throw httpError(404, "job not found");
  await streaming;
});
