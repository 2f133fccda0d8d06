import { defineEventHandler } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { keyToJson } from "../../../runtime/tenants/key-json";
import { requireOperator } from "../../../runtime/tenants/principal";

// Every tenant key, revoked ones included, oldest first; never a secret.
export default defineEventHandler((event) => {
  requireOperator(event);
  return { keys: useGateway().keys.list().map(keyToJson) };
});
