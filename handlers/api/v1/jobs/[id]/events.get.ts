import { defineEventHandler, getQuery, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { eventsQuerySchema } from "../../../../../runtime/events/events-query";
import { writeEventsPage } from "../../../../../runtime/events/history-writer";
import { httpError } from "../../../../../runtime/http/errors";
import { parseOrThrow } from "../../../../../runtime/http/validate";

// The stream's history as JSON, for clients that poll: the same events, ids and payloads as the SSE stream,
// written page by page (a page may hold 1000 events of 64 KiB and a 10 MiB result).
export default defineEventHandler(async (event) => {
  const g = useGateway();
  const id = getRouterParam(event, "id", { decode: true })!;
  const q = parseOrThrow(eventsQuerySchema, getQuery(event));
  if (!g.jobText.get(id)) throw httpError(404, "job not found");
  await writeEventsPage(event.node.res, g.events, id, q.after, q.limit);
});
