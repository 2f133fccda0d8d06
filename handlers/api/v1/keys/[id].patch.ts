import { defineEventHandler, getRouterParam } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { readJsonObject } from "../../../../runtime/http/body";
import { parseOrThrow } from "../../../../runtime/http/validate";
import { keyChangeOrThrow, keyToJson } from "../../../../runtime/tenants/key-json";
import { updateKeySchema } from "../../../../runtime/tenants/policy";
import { requireOperator } from "../../../../runtime/tenants/principal";

// Renames a key and/or replaces its policy (whole); effective for the key's next request.
export default defineEventHandler(async (event) => {
  requireOperator(event);
  const body = parseOrThrow(updateKeySchema, await readJsonObject(event));
  const g = useGateway();
  const key = keyChangeOrThrow(await g.keys.update(getRouterParam(event, "id", { decode: true })!, body), body.name);
  g.dispatcher.pump(); // a raised max_running or budget may let queued jobs of the key start
  return keyToJson(key);
});
