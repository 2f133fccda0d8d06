import { defineEventHandler } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { collectStats } from "../../../runtime/health/stats";
import { requireOperator } from "../../../runtime/tenants/principal";

// Gateway-wide figures: for operators only (a tenant sees its own jobs through the list and /usage).
export default defineEventHandler((event) => {
  requireOperator(event);
  return collectStats(useGateway());
});
