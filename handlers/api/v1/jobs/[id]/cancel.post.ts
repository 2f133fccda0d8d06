import { defineEventHandler, getRouterParam } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { cancelJob } from "../../../../../runtime/job/commands";
import { httpError } from "../../../../../runtime/http/errors";

export default defineEventHandler((event) => {
  const r = cancelJob(useGateway().jobs, getRouterParam(event, "id", { decode: true })!);
  if (!r.ok) throw r.reason === "not_found" ? httpError(404, "job not found") : httpError(409, "job already in terminal state");
  return { status: "cancelled" };
});
