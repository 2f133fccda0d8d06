// One job's JSON written to a response with a bounded buffer, byte for byte what jobToJson gives: the job is
// read without its large columns, rendered with a placeholder for each, and every placeholder is replaced on
// the wire by its column read from the database in slices, each written once the connection took the last.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { jobUrls, type StreamTokens } from "../events/stream-token";
import { send, sendSlices } from "../http/paced-write";
import { LARGE_COLUMNS, type JobText, type LargeColumn, type LeanJob } from "../store/job-text";
import { jobToJson, type Job } from "./job";

// Random per process, so no stored text (metadata is raw client JSON) can forge a placeholder.
const NONCE = randomUUID();
const placeholder = (c: LargeColumn) => `\u0000${NONCE}:${c}\u0000`;

export interface JobJsonDeps {
  jobText: JobText;
  tokens: StreamTokens;
}

/**
 * Writes `head`, the job's JSON (with its URLs) and `tail`. "closed" when the client went away; "gone" when
 * the job was deleted while its large columns were being written (the response is then incomplete).
 */
export async function writeJobJson(
  res: ServerResponse,
  deps: JobJsonDeps,
  lean: LeanJob,
  head = "",
  tail = "",
): Promise<"ok" | "closed" | "gone"> {
  const job: Job = { ...lean.job };
  const omitted = Object.entries(lean.omitted) as [LargeColumn, number][];
  for (const [c] of omitted) {
    // metadata is spliced raw, so its placeholder must itself be JSON: a string.
    (job as unknown as Record<string, unknown>)[LARGE_COLUMNS[c]] = c === "metadata" ? JSON.stringify(placeholder(c)) : placeholder(c);
  }
  let json = head + jobToJson(job, jobUrls(job.id, deps.tokens));
  // Placeholders in the order they appear (jobToJson's key order), each as it is rendered: a JSON string.
  const marks = omitted
    .map(([c, length]) => ({ c, length, at: json.indexOf(JSON.stringify(placeholder(c))) }))
    .sort((a, b) => a.at - b.at);
  let from = 0;
  for (const { c, length, at } of marks) {
    if (!(await send(res, json.slice(from, at)))) return "closed";
    from = at + JSON.stringify(placeholder(c)).length;
    const read = (start: number, count: number) => deps.jobText.slice(job.id, c, start, count);
    // Slices of a TEXT column are whole code points, so escaping them one by one equals escaping the whole.
    const raw = c === "metadata";
    if (!raw && !(await send(res, '"'))) return "closed";
    const r = await sendSlices(res, length, read, raw ? undefined : (s) => JSON.stringify(s).slice(1, -1));
    if (r !== "ok") return r;
    if (!raw && !(await send(res, '"'))) return "closed";
  }
  json = json.slice(from) + tail;
  return (await send(res, json)) ? "ok" : "closed";
}
