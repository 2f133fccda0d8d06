import { defineEventHandler, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { httpError } from "../../../../../runtime/http/errors";
import { canSee, principalOf, canSeeJob } from "../../../../../runtime/tenants/principal";
import { deliveryToJson } from "../../../../../runtime/webhooks/delivery-json";

// Every webhook delivery of a job and each of its attempts. A job's deliveries are deleted with it.
export default defineEventHandler(async (event) => {
  const g = useGateway();
  const id = getRouterParam(event, "id", { decode: true })!;
  const p = principalOf(event);
  const deliveries = (await g.outbox.listForJob(id)).filter((d) => canSee(p, d.owner));
  if (deliveries.length === 0 && !(await canSeeJob(g.store, p, id))) throw httpError(404, "job not found");
  return { job_id: id, deliveries: deliveries.map((d) => deliveryToJson(d, d.attemptLog)) };
});
