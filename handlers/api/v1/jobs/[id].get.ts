import { defineEventHandler, getRouterParam } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { writeJobJson } from "../../../../runtime/job/job-json-writer";
import { startBody, written } from "../../../../runtime/http/paced-write";
import { httpError } from "../../../../runtime/http/errors";
import { canSee, principalOf } from "../../../../runtime/tenants/principal";

// Written with its large columns (a 10 MiB result) in slices, so a client that does not read holds little.
export default defineEventHandler(async (event) => {
  const g = useGateway();
  const lean = await g.jobText.get(getRouterParam(event, "id", { decode: true })!);
  if (!lean || !canSee(principalOf(event), lean.job.owner)) throw httpError(404, "job not found");
  const res = event.node.res;
  if (!startBody(res, { "Content-Type": "application/json" })) return;
  if (written(res, await writeJobJson(res, g, lean))) res.end();
});
