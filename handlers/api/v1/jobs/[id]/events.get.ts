import { defineEventHandler, getQuery, getRouterParam, setResponseHeader } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { eventsQuerySchema } from "../../../../../runtime/events/events-query";
import { httpError } from "../../../../../runtime/http/errors";
import { parseOrThrow } from "../../../../../runtime/http/validate";
import { principalOf, visibleJob } from "../../../../../runtime/tenants/principal";

// The stream's history as JSON, for clients that poll: the same events, ids and payloads as the SSE stream.
export default defineEventHandler((event) => {
  const g = useGateway();
  const id = getRouterParam(event, "id", { decode: true })!;
  const q = parseOrThrow(eventsQuerySchema, getQuery(event));
  if (!visibleJob(g.store, principalOf(event), id)) throw httpError(404, "job not found");
  const events = g.events.history(id, q.after, q.limit + 1);
  const page = events.slice(0, q.limit);
  const lastId = page.at(-1)?.seq ?? q.after;
  const done = page.at(-1)?.event === "result";
  setResponseHeader(event, "Content-Type", "application/json");
  const items = page.map((e) => `{"id":${e.seq},"event":${JSON.stringify(e.event)},"data":${e.data},"created_at":${JSON.stringify(new Date(e.createdAt).toISOString())}}`);
  return `{"job_id":${JSON.stringify(id)},"events":[${items.join(",")}],"last_id":${lastId},"has_more":${events.length > q.limit},"done":${done}}`;
});
