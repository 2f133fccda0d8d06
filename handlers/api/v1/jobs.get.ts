import { defineEventHandler, getQuery, setResponseHeader } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { jobToJson } from "../../../runtime/job/job";
import { listQuerySchema } from "../../../runtime/job/list-query";
import { parseOrThrow } from "../../../runtime/http/validate";

export default defineEventHandler((event) => {
  const q = parseOrThrow(listQuerySchema, getQuery(event));
  const { jobs, total } = useGateway().store.list(q);
  setResponseHeader(event, "Content-Type", "application/json");
  // Jobs are spliced as raw JSON so their metadata comes back byte for byte.
  return `{"jobs":[${jobs.map(jobToJson).join(",")}],"limit":${q.limit},"offset":${q.offset},"total":${total}}`;
});
