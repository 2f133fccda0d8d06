import { defineEventHandler, getRouterParam, setResponseHeader } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { renderJob } from "../../../../runtime/job/render";
import { httpError } from "../../../../runtime/http/errors";
import { principalOf, visibleJob } from "../../../../runtime/tenants/principal";

export default defineEventHandler((event) => {
  const g = useGateway();
  const job = visibleJob(g.store, principalOf(event), getRouterParam(event, "id", { decode: true })!);
  if (!job) throw httpError(404, "job not found");
  setResponseHeader(event, "Content-Type", "application/json");
  return renderJob(g, job);
});
