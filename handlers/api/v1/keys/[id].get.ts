import { defineEventHandler, getRouterParam } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { httpError } from "../../../../runtime/http/errors";
import { keyToJson } from "../../../../runtime/tenants/key-json";
import { requireOperator } from "../../../../runtime/tenants/principal";

export default defineEventHandler((event) => {
  requireOperator(event);
  const key = useGateway().keys.get(getRouterParam(event, "id", { decode: true })!);
  if (!key) throw httpError(404, "key not found");
  return keyToJson(key);
});
