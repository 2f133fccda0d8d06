import { defineEventHandler, setResponseHeader } from "h3";
import { renderMetrics } from "../runtime/metrics/render";
import { requireOperator } from "../runtime/tenants/principal";

// Prometheus text format, for an operator key (the middleware authenticates /metrics like /api/ paths);
// CLAUDEGATE_METRICS_ADDR serves it without one.
export default defineEventHandler(async (event) => {
  requireOperator(event);
  const { contentType, text } = await renderMetrics();
  setResponseHeader(event, "Content-Type", contentType);
  setResponseHeader(event, "Cache-Control", "no-store");
  return text;
});
