import { defineEventHandler, setResponseHeader, setResponseStatus } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { readJsonObject } from "../../../runtime/http/body";
import { parseOrThrow } from "../../../runtime/http/validate";
import { keyChangeOrThrow, keyToJson } from "../../../runtime/tenants/key-json";
import { createKeySchema } from "../../../runtime/tenants/policy";
import { requireOperator } from "../../../runtime/tenants/principal";

// Creates a tenant key. Its secret is in this response only: the gateway keeps just its hash.
export default defineEventHandler(async (event) => {
  requireOperator(event);
  const body = parseOrThrow(createKeySchema, await readJsonObject(event));
  const { key, secret } = keyChangeOrThrow(await useGateway().keys.create(body.name, body.policy ?? {}), body.name);
  setResponseStatus(event, 201);
  setResponseHeader(event, "Location", `/api/v1/keys/${key.id}`);
  return { ...keyToJson(key), key: secret };
});
