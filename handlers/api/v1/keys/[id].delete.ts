import { defineEventHandler, getQuery, getRouterParam } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { parseOrThrow } from "../../../../runtime/http/validate";
import { keyChangeOrThrow, keyToJson } from "../../../../runtime/tenants/key-json";
import { revokeQuerySchema } from "../../../../runtime/tenants/policy";
import { requireOperator } from "../../../../runtime/tenants/principal";
import { revokeKey } from "../../../../runtime/tenants/revoke";

// Revokes a key at once. `?queued=cancel` (the default) cancels its queued jobs, `keep` lets them run.
export default defineEventHandler(async (event) => {
  requireOperator(event);
  const { queued } = parseOrThrow(revokeQuerySchema, getQuery(event));
  const r = keyChangeOrThrow(await revokeKey(useGateway(), getRouterParam(event, "id", { decode: true })!, queued));
  return { ...keyToJson(r.key), cancelled_jobs: r.cancelled };
});
