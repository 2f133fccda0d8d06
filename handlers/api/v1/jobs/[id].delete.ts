import { defineEventHandler, getRouterParam, sendNoContent } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { deleteJob } from "../../../../runtime/job/commands";
import { httpError } from "../../../../runtime/http/errors";
import { principalOf, canSeeJob } from "../../../../runtime/tenants/principal";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const id = getRouterParam(event, "id", { decode: true })!;
  if (!(await canSeeJob(g.store, principalOf(event), id)) || !(await deleteJob(g.jobs, id))) throw httpError(404, "job not found");
  return sendNoContent(event, 204);
});
