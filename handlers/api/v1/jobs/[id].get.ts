import { defineEventHandler, getRouterParam, setResponseHeader } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { jobToJson } from "../../../../runtime/job/job";
import { httpError } from "../../../../runtime/http/errors";

export default defineEventHandler((event) => {
  const job = useGateway().store.get(getRouterParam(event, "id", { decode: true })!);
  if (!job) throw httpError(404, "job not found");
  setResponseHeader(event, "Content-Type", "application/json");
  return jobToJson(job);
});
