import { defineEventHandler } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { principalOf, tenantOf } from "../../../../runtime/tenants/principal";

// The secret the caller's receivers verify signatures with: a tenant key's own, or for operator keys the
// gateway's (generated and kept next to the database when not configured).
export default defineEventHandler((event) => {
  return { secret: tenantOf(principalOf(event))?.webhookSecret ?? useGateway().config.webhookSecret };
});
