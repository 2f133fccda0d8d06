import { defineEventHandler, setResponseHeader } from "h3";
import { renderMetrics } from "../runtime/metrics/render";

// Prometheus text format, for an operator key (runtime/http/middleware.ts); CLAUDEGATE_METRICS_ADDR serves it without one.
export default defineEventHandler(async (event) => {
  const { contentType, text } = await renderMetrics();
  setResponseHeader(event, "Content-Type", contentType);
  setResponseHeader(event, "Cache-Control", "no-store");
  return text;
});
