import { defineEventHandler, getRouterParam, sendNoContent } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { deleteJob } from "../../../../runtime/job/commands";
import { httpError } from "../../../../runtime/http/errors";

export default defineEventHandler((event) => {
  if (!deleteJob(useGateway().jobs, getRouterParam(event, "id", { decode: true })!)) throw httpError(404, "job not found");
  return sendNoContent(event, 204);
});
