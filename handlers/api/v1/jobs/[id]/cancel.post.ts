import { defineEventHandler, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { cancelJob } from "../../../../../runtime/job/commands";
import { httpError } from "../../../../../runtime/http/errors";
import { principalOf, canSeeJob } from "../../../../../runtime/tenants/principal";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const id = getRouterParam(event, "id", { decode: true })!;
  if (!(await canSeeJob(g.store, principalOf(event), id))) throw httpError(404, "job not found");
  const r = await cancelJob(g.jobs, id);
  if (!r.ok) throw r.reason === "not_found" ? httpError(404, "job not found") : httpError(409, "job already in terminal state");
  return { status: "cancelled" };
});
