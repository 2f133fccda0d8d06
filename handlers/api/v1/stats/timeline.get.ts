import { defineEventHandler, getQuery } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { collectTimeline } from "../../../../runtime/health/stats";
import { timelineQuerySchema } from "../../../../runtime/health/timeline";
import { parseOrThrow } from "../../../../runtime/http/validate";
import { requireOperator } from "../../../../runtime/tenants/principal";

// The Status view's figures: per minute over the last `minutes`, gateway-wide, so for operator keys only.
export default defineEventHandler((event) => {
  requireOperator(event);
  return collectTimeline(useGateway(), parseOrThrow(timelineQuerySchema, getQuery(event)).minutes);
});
