import { defineEventHandler, getQuery, getRequestHeader, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { renderJob } from "../../../../../runtime/job/render";
import { openJobStream, resumeAfter } from "../../../../../runtime/sse/job-stream";
import { httpError } from "../../../../../runtime/http/errors";
import { canSee, type Principal } from "../../../../../runtime/tenants/principal";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const after = resumeAfter(getRequestHeader(event, "last-event-id"), getQuery(event).after);
  if (after === "invalid") throw httpError(400, "Last-Event-ID and after must be a non-negative integer");
  const id = getRouterParam(event, "id", { decode: true })!;
  // With a key: only a job the key may see. With a signed token (no principal): the token names this job, but
  // a revoked tenant's tokens stop working at once, as its key does.
  const p = event.context.principal as Principal | undefined;
  const owner = g.store.get(id)?.owner;
  if (owner !== undefined && (p ? !canSee(p, owner) : owner !== "" && !g.keys.isActive(owner))) {
    throw p ? httpError(404, "job not found") : httpError(401, "invalid or expired stream token");
  }
  const streaming = openJobStream(event.node.res, id, after, { ...g, render: (job) => renderJob(g, job) });
  if (streaming === false) throw httpError(404, "job not found");
  await streaming;
});
