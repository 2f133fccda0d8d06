import { defineEventHandler, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { streamJob } from "../../../../../runtime/sse/job-stream";
import { httpError } from "../../../../../runtime/http/errors";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const streaming = streamJob(event.node.res, getRouterParam(event, "id", { decode: true })!, g.hub, g.store);
  if (streaming === false) throw httpError(404, "job not found");
  await streaming;
});
