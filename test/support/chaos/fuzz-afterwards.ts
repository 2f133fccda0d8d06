// What the fuzz checks once its requests are done: every job it created ends within the bound, and every
// stored row reads back. Kept apart from the request generator (fuzz.ts).
import { TERMINAL, type GatewayProcess } from "../gateway-process";
import type { ChaosRow } from "./report";

/**
 * Polls the jobs until each is terminal or `deadline` passes, and returns how many are not. A job that is gone
 * (404) ended by a DELETE if the fuzz sent one for it; otherwise it is lost. Both count in `row.lost`.
 */
export async function unfinished(gw: GatewayProcess, ids: Set<string>, deleted: ReadonlySet<string>, deadline: number, row: ChaosRow, problems: string[]): Promise<number> {
  const pending = new Map([...ids].map((id) => [id, "unread"]));
  for (;;) {
    for (const id of pending.keys()) {
      const r = await gw.json("GET", `/api/v1/jobs/${encodeURIComponent(id)}`).catch((err) => ({ status: 0, body: { error: String(err) } }));
      if (r.status === 200 && TERMINAL.has(r.body.status)) pending.delete(id);
      else if (r.status === 404 && deleted.has(id)) pending.delete(id);
      else if (r.status === 404) {
        pending.delete(id);
        row.lost++;
        problems.push(`job ${id} was accepted, never deleted, and is gone`);
      } else pending.set(id, r.status === 200 ? `${r.body.status}, attempts ${r.body.attempts}, started_at ${r.body.started_at}, prompt ${JSON.stringify(r.body.prompt).slice(0, 60)}` : `${r.status} ${JSON.stringify(r.body).slice(0, 100)}`);
    }
    if (pending.size === 0 || Date.now() > deadline) break;
    await new Promise((res) => setTimeout(res, 200)); // between polls of a condition, not instead of one
  }
  row.lost += pending.size;
  for (const [id, status] of [...pending].slice(0, 20)) problems.push(`job ${id} not terminal by the deadline: ${status}`);
  return pending.size;
}

/** Every job (paged). */
export async function listJobs(gw: GatewayProcess, row: ChaosRow, problems: string[]): Promise<any[]> {
  const jobs: any[] = [];
  for (let offset = 0; offset < 100_000; offset += 100) {
    const page = await getJson(gw, `/api/v1/jobs?limit=100&offset=${offset}`, row, problems);
    if (!page) break;
    jobs.push(...page.jobs);
    if (page.jobs.length < 100) break;
  }
  return jobs;
}

/** Lists every job, then reads each one, its events and its deliveries; all must parse. */
export async function readBack(gw: GatewayProcess, row: ChaosRow, problems: string[]): Promise<void> {
  const jobs = await listJobs(gw, row, problems);
  const get = (path: string) => getJson(gw, path, row, problems);
  for (const j of jobs) {
    const id = encodeURIComponent(j.job_id);
    const one = await get(`/api/v1/jobs/${id}`);
    if (one && one.job_id !== j.job_id) problems.push(`GET /api/v1/jobs/${id} answered another job`);
    const ev = await get(`/api/v1/jobs/${id}/events?limit=1000`);
    if (ev && TERMINAL.has(one?.status) && !ev.has_more && ev.events.at(-1)?.event !== "result") problems.push(`job ${j.job_id} ended but its events do not end with result`);
    await get(`/api/v1/jobs/${id}/deliveries`);
  }
  // The streams of ended jobs replay and end with their result.
  for (const j of jobs.filter((x) => TERMINAL.has(x.status)).slice(0, 25)) {
    const res = await gw.request("GET", `/api/v1/jobs/${encodeURIComponent(j.job_id)}/sse`);
    const text = res.status === 200 ? await res.text() : "";
    const last = text.trim().split("\n\n").at(-1) ?? "";
    // Lines split at \n only (an SSE line ends at CR or LF; a fuzzed prompt's U+2028 inside the data is no line
    // end, though a regex's `.` and `$` treat it as one).
    const data = last.split("\n").find((l) => l.startsWith("data: "))?.slice("data: ".length);
    let ok = res.status === 200 && /^event: result$/m.test(last) && data !== undefined;
    try {
      ok &&= JSON.parse(data!).status === j.status;
    } catch {
      ok = false;
    }
    if (!ok) {
      row.other++;
      problems.push(`the stream of ended job ${j.job_id} (${res.status}) does not end with its result: ${last.slice(0, 200)}`);
    }
  }
}

/** A GET that must answer 200 with JSON; anything else is a problem (and a 5xx or non-JSON, counted). */
async function getJson(gw: GatewayProcess, path: string, row: ChaosRow, problems: string[]): Promise<any> {
  const res = await gw.request("GET", path);
  const text = await res.text();
  if (res.status >= 500) row.fivexx++;
  if (res.status !== 200) {
    problems.push(`GET ${path} answered ${res.status} ${text.slice(0, 200)}`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    row.other++;
    problems.push(`GET ${path} is not JSON (${(err as Error).message}): ${text.slice(0, 200)}`);
    return undefined;
  }
}
