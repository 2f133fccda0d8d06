import { defineEventHandler, getQuery } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { parseOrThrow } from "../../../runtime/http/validate";
import { principalOf, tenantOf } from "../../../runtime/tenants/principal";
import { usageQuerySchema } from "../../../runtime/tenants/usage-query";
import { usageReport } from "../../../runtime/tenants/usage-report";

// Jobs, tokens, cost and run time from the usage ledger: a tenant's own, or everyone's for an operator.
export default defineEventHandler((event) => {
  const q = parseOrThrow(usageQuerySchema, getQuery(event));
  return usageReport(useGateway(), q, tenantOf(principalOf(event))?.id);
});
