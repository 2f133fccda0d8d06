import { defineEventHandler, getQuery, getRouterParam, setResponseHeader } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { eventsQuerySchema } from "../../../../../runtime/events/events-query";
import { httpError } from "../../../../../runtime/http/errors";
import { isTerminal } from "../../../../../runtime/job/job";
import { parseOrThrow } from "../../../../../runtime/http/validate";
import { principalOf, visibleJob } from "../../../../../runtime/tenants/principal";

// The stream's history as JSON, for clients that poll: the same events, ids and payloads as the SSE stream.
export default defineEventHandler((event) => {
  const g = useGateway();
  const id = getRouterParam(event, "id", { decode: true })!;
  const q = parseOrThrow(eventsQuerySchema, getQuery(event));
  const job = visibleJob(g.store, principalOf(event), id);
  if (!job) throw httpError(404, "job not found");
  // The job is read before its events: a job seen terminal has all its events stored (its result is written
  // in the transaction that ends it), so the last page of a terminal job is the end, result event or not.
  const events = g.events.history(id, q.after, q.limit + 1);
  const page = events.slice(0, q.limit);
  const lastId = page.at(-1)?.seq ?? q.after;
  const hasMore = events.length > q.limit;
  const done = isTerminal(job.status) && !hasMore;
  setResponseHeader(event, "Content-Type", "application/json");
  const items = page.map((e) => `{"id":${e.seq},"event":${JSON.stringify(e.event)},"data":${e.data},"created_at":${JSON.stringify(new Date(e.createdAt).toISOString())}}`);
  return `{"job_id":${JSON.stringify(id)},"events":[${items.join(",")}],"last_id":${lastId},"has_more":${hasMore},"done":${done}}`;
});
