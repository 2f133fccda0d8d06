// The scrape: every metric in Prometheus's text format (the scrape-time gauges read the database here).
import { registry } from "./registry";

export async function renderMetrics(): Promise<{ contentType: string; text: string }> {
  return { contentType: registry.contentType, text: await registry.metrics() };
}
