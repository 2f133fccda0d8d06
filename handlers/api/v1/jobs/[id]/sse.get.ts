import { defineEventHandler, getQuery, getRequestHeader, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { openJobStream, resumeAfter, startOfJobStream } from "../../../../../runtime/sse/job-stream";
import { streamOwner } from "../../../../../runtime/sse/open-streams";
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
  const jobOwner = await g.store.ownerOf(id);
  if (jobOwner !== undefined && (p ? !canSee(p, jobOwner) : jobOwner !== "" && !g.keys.isActive(jobOwner))) {
    throw p ? httpError(404, "job not found") : httpError(401, "invalid or expired stream token");
  }
  const start = await startOfJobStream(id, after, g);
  if (!start) throw httpError(404, "job not found");
  const owner = streamOwner(event.context.apiKey as string | undefined, id);
  const refused = g.streams.refusal(owner);
  if (refused) throw httpError(429, refused);
  // Checked and counted in one synchronous step: no other stream can open in between.
  await openJobStream(event.node.res, start, after, owner, g);
});
