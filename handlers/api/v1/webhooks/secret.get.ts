import { defineEventHandler } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { principalOf } from "../../../../runtime/tenants/principal";

// The secret the caller's receivers verify signatures with: a tenant key's own, or for operator keys the
// gateway's (generated and kept next to the database when not configured).
export default defineEventHandler((event) => {
  const p = principalOf(event);
  return { secret: p.kind === "tenant" ? p.key.webhookSecret : useGateway().config.webhookSecret };
});
