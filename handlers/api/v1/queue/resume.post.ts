import { defineEventHandler } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { pauseToJson } from "../../../../runtime/queue/pause-schema";
import { requireOperator } from "../../../../runtime/tenants/principal";

// Ends a pause, whoever set it (an operator, or a usage limit the operator knows has been lifted).
export default defineEventHandler(async (event) => {
  requireOperator(event);
  const g = useGateway();
  await g.pause.resume();
  g.dispatcher.pump();
  return pauseToJson(undefined);
});
