import { defineEventHandler, getQuery, setResponseHeader } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { renderJob } from "../../../runtime/job/render";
import { listQuerySchema } from "../../../runtime/job/list-query";
import { parseOrThrow } from "../../../runtime/http/validate";
import { principalOf } from "../../../runtime/tenants/principal";

export default defineEventHandler((event) => {
  const q = parseOrThrow(listQuerySchema, getQuery(event));
  const g = useGateway();
  const p = principalOf(event);
  const { jobs, total } = g.store.list({ ...q, owner: p.kind === "tenant" ? p.key.id : undefined });
  setResponseHeader(event, "Content-Type", "application/json");
  // Jobs are spliced as raw JSON so their metadata comes back byte for byte.
  return `{"jobs":[${jobs.map((j) => renderJob(g, j)).join(",")}],"limit":${q.limit},"offset":${q.offset},"total":${total}}`;
});
