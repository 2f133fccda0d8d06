import { defineEventHandler, getQuery, getRequestHeader, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { openJobStream, resumeAfter } from "../../../../../runtime/sse/job-stream";
import { streamOwner } from "../../../../../runtime/sse/open-streams";
import { httpError } from "../../../../../runtime/http/errors";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const after = resumeAfter(getRequestHeader(event, "last-event-id"), getQuery(event).after);
  if (after === "invalid") throw httpError(400, "Last-Event-ID and after must be a non-negative integer");
  const id = getRouterParam(event, "id", { decode: true })!;
  const owner = streamOwner(event.context.apiKey as string | undefined, id);
  const refused = g.streams.refusal(owner);
  if (refused) throw httpError(429, refused);
  // Checked and counted in one synchronous step: no other stream can open in between.
  const streaming = openJobStream(event.node.res, id, after, owner, g);
  if (streaming === false) throw httpError(404, "job not found");
  await streaming;
});
