// GET /api/v1/jobs written job by job: up to 100 jobs of up to ~11 MiB each would be a gigabyte as one string
// per request. Each job is read when its turn comes (one deleted meanwhile is left out) and written with its
// large columns in slices, so a connection holds one job's small fields and one slice.
import type { ServerResponse } from "node:http";
import { send, startBody, written } from "../http/paced-write";
import { writeJobJson, type JobJsonDeps } from "./job-json-writer";

export async function writeJobList(
  res: ServerResponse,
  deps: JobJsonDeps,
  page: { ids: string[]; total: number; limit: number; offset: number },
): Promise<void> {
  if (!startBody(res, { "Content-Type": "application/json" }) || !(await send(res, `{"jobs":[`))) return;
  let count = 0;
  for (const id of page.ids) {
    const lean = await deps.jobText.get(id);
    if (!lean) continue;
    if (!written(res, await writeJobJson(res, deps, lean, count > 0 ? "," : ""))) return;
    count++;
  }
  // Jobs are spliced as raw JSON so their metadata comes back byte for byte.
  res.end(`],"limit":${page.limit},"offset":${page.offset},"total":${page.total}}`);
}
