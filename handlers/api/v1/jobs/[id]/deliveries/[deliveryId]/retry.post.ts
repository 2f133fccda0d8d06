import { defineEventHandler, getRouterParam, setResponseStatus } from "h3";
import { useGateway } from "../../../../../../../runtime/gateway";
import { httpError } from "../../../../../../../runtime/http/errors";
import { canSee, principalOf } from "../../../../../../../runtime/tenants/principal";
import { deliveryToJson } from "../../../../../../../runtime/webhooks/delivery-json";

// Sends a delivered or given-up delivery once more (same webhook-id, so receivers can tell it is the same).
export default defineEventHandler(async (event) => {
  const g = useGateway();
  const jobId = getRouterParam(event, "id", { decode: true })!;
  const id = getRouterParam(event, "deliveryId", { decode: true })!;
  const delivery = await g.outbox.get(jobId, id);
  if (!delivery || !canSee(principalOf(event), delivery.owner)) throw httpError(404, "delivery not found");
  if (!(await g.outbox.retry(jobId, id))) throw httpError(409, "delivery is still pending");
  g.webhookSender.wake();
  setResponseStatus(event, 202);
  return deliveryToJson((await g.outbox.get(jobId, id))!);
});
