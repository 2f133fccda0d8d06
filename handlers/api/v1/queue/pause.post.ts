import { defineEventHandler } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { readJsonObject } from "../../../../runtime/http/body";
import { parseOrThrow } from "../../../../runtime/http/validate";
import { pauseSchema, pauseToJson } from "../../../../runtime/queue/pause-schema";
import { requireOperator } from "../../../../runtime/tenants/principal";

// Stops new jobs from starting (running ones finish; submits are still accepted), until resumed or for `seconds`.
export default defineEventHandler(async (event) => {
  requireOperator(event);
  const body = parseOrThrow(pauseSchema, await readJsonObject(event, { allowEmpty: true }));
  const until = body.seconds === undefined ? null : Date.now() + body.seconds * 1000;
  return pauseToJson(await useGateway().pause.pause(until, body.reason ?? "paused by an operator", "operator"));
});
