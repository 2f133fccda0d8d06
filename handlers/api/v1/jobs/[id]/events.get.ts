import { defineEventHandler, getQuery, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { eventsQuerySchema } from "../../../../../runtime/events/events-query";
import { writeEventsPage } from "../../../../../runtime/events/history-writer";
import { httpError } from "../../../../../runtime/http/errors";
import { isTerminal } from "../../../../../runtime/job/job";
import { parseOrThrow } from "../../../../../runtime/http/validate";
import { canSee, principalOf } from "../../../../../runtime/tenants/principal";

// The stream's history as JSON, for clients that poll: the same events, ids and payloads as the SSE stream,
// written page by page (a page may hold 1000 events of 64 KiB and a 10 MiB result).
export default defineEventHandler(async (event) => {
  const g = useGateway();
  const id = getRouterParam(event, "id", { decode: true })!;
  const q = parseOrThrow(eventsQuerySchema, getQuery(event));
  const lean = await g.jobText.get(id);
  if (!lean || !canSee(principalOf(event), lean.job.owner)) throw httpError(404, "job not found");
  // The job is read before its events: a job seen terminal has all its events stored (its result is written
  // in the transaction that ends it), so the last page of a terminal job is the end, result event or not.
  await writeEventsPage(event.node.res, g.events, id, q.after, q.limit, isTerminal(lean.job.status));
});
