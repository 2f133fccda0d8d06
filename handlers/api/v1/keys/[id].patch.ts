import { defineEventHandler, getRouterParam } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { readJsonBody } from "../../../../runtime/http/body";
import { httpError } from "../../../../runtime/http/errors";
import { parseOrThrow } from "../../../../runtime/http/validate";
import { keyChangeOrThrow, keyToJson } from "../../../../runtime/tenants/key-json";
import { updateKeySchema } from "../../../../runtime/tenants/policy";
import { requireOperator } from "../../../../runtime/tenants/principal";

// Renames a key and/or replaces its policy (whole); effective for the key's next request.
export default defineEventHandler(async (event) => {
  requireOperator(event);
  const { value } = await readJsonBody(event);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw httpError(400, "invalid JSON body");
  const body = parseOrThrow(updateKeySchema, value);
  const g = useGateway();
  const key = keyChangeOrThrow(g.keys.update(getRouterParam(event, "id", { decode: true })!, body), body.name);
  g.dispatcher.pump(); // a raised max_running or budget may let queued jobs of the key start
  return keyToJson(key);
});
