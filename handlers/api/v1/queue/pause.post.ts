import { defineEventHandler } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { readJsonBody } from "../../../../runtime/http/body";
import { httpError } from "../../../../runtime/http/errors";
import { parseOrThrow } from "../../../../runtime/http/validate";
import { pauseSchema, pauseToJson } from "../../../../runtime/queue/pause-schema";
import { requireOperator } from "../../../../runtime/tenants/principal";

// Stops new jobs from starting (running ones finish; submits are still accepted), until resumed or for `seconds`.
export default defineEventHandler(async (event) => {
  requireOperator(event);
  const { value } = await readJsonBody(event, undefined, { allowEmpty: true });
  if (value !== undefined && (value === null || typeof value !== "object" || Array.isArray(value))) throw httpError(400, "invalid JSON body");
  const body = parseOrThrow(pauseSchema, value ?? {});
  const until = body.seconds === undefined ? null : Date.now() + body.seconds * 1000;
  return pauseToJson(useGateway().pause.pause(until, body.reason ?? "paused by an operator", "operator"));
});
