// The CLI fault matrix: every way the CLI is known to misbehave, played by the scripted fake CLI on one gateway
// with the default output cap, several at once. Each must end in its documented status and error_code, leave no
// process behind, count once, and leave the server serving with bounded memory.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAKE_CLI, GatewayProcess } from "../gateway-process";
import { cliProcesses, isAlive } from "../processes";
import { emptyRow, type ChaosRow } from "./report";

export interface FaultCase {
  name: string;
  prompt: string;
  extra?: Record<string, unknown>;
  /** The documented end: status, error_code and (some of) the result or error. */
  expect: { status: string; error_code?: string; result?: string; error?: string; resultLength?: number };
}

export const STALL_SECONDS = 2;

/** `pid` in a prompt is replaced by a pid-file directive, so the test can watch the CLI itself die. */
export const FAULTS: FaultCase[] = [
  { name: "crash at start", prompt: "[[crash]]", expect: { status: "failed", error_code: "cli_error", error: "claude exited: exit status 3 — boom on stderr" } },
  { name: "crash mid-stream", prompt: "[[crash-mid]][[delay:100]]", expect: { status: "failed", error_code: "cli_error", error: "claude exited: exit status 1" } },
  { name: "exit 0, no result", prompt: "[[exit0-noresult]]", expect: { status: "failed", error_code: "cli_error", error: "claude exited without a result" } },
  { name: "result, then linger", prompt: "[[reply:done]][[linger]]", expect: { status: "completed", result: "done" } },
  { name: "no output forever", prompt: "[[hang]]", expect: { status: "failed", error_code: "stalled", error: `no output from the CLI for ${STALL_SECONDS}s; killed as stalled` } },
  { name: "1 MB line", prompt: "[[bigline:1000000]]", expect: { status: "completed", resultLength: 1_000_000 } },
  { name: "100 MB of output", prompt: "[[flood:104857600]]", expect: { status: "failed", error_code: "output_too_large", error: "output exceeded CLAUDEGATE_MAX_RESULT_BYTES (10485760 bytes)" } },
  { name: "ignores SIGTERM", prompt: "[[ignore-term]]", expect: { status: "failed", error_code: "stalled" } },
  { name: "grandchild holds stdout", prompt: "[[grandchild]][[reply:gc]]", expect: { status: "completed", result: "gc" } },
  { name: "grandchild, then silence", prompt: "[[spawn-hang]]", expect: { status: "failed", error_code: "stalled" } },
  { name: "invalid JSON lines", prompt: "[[invalid-lines]][[reply:fine]]", expect: { status: "completed", result: "fine" } },
  { name: "error reported with exit 0", prompt: "[[error-exit0]]", expect: { status: "failed", error_code: "auth_required", error: "Not logged in · Please run /login" } },
  { name: "API error 529", prompt: "[[api-error:529]]", expect: { status: "failed", error_code: "api_error", error: "API Error: 529 fake" } },
  { name: "timeout", prompt: "[[hang]]", extra: { timeout_seconds: 1 }, expect: { status: "failed", error_code: "timeout", error: "job timed out after 1s" } },
];

export interface MatrixReport {
  rows: ChaosRow[];
  problems: string[];
  /** The gateway's largest resident set seen while the matrix ran, in MiB. */
  maxRssMiB: number;
  baseRssMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export const MATRIX_ENV = {
  CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
  CLAUDEGATE_CONCURRENCY: "3",
  CLAUDEGATE_STALL_TIMEOUT_SECONDS: String(STALL_SECONDS),
  // CLAUDEGATE_MAX_RESULT_BYTES stays at its default, 10 MiB.
};

export async function runFaultMatrix(gw: GatewayProcess, cases: FaultCase[] = FAULTS): Promise<MatrixReport> {
  const problems: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "cg-chaos-faults-"));
  const pid = gw.child.pid!;
  const baseRssMiB = rssMiB(pid);
  let maxRssMiB = baseRssMiB;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxRssMiB = Math.max(maxRssMiB, rssMiB(pid));
      await sleep(50);
    }
  })();

  const run = async (c: FaultCase, i: number): Promise<ChaosRow> => {
    const row = emptyRow(`fault: ${c.name}`);
    row.jobs = 1;
    const t0 = Date.now();
    const pidFile = join(scratch, `pid-${i}`);
    const bad = (what: string, column: keyof ChaosRow) => {
      (row[column] as number)++;
      problems.push(`${c.name}: ${what}`);
    };
    const sub = await gw.json("POST", "/api/v1/jobs", { prompt: `${c.prompt}[[pid-file:${pidFile}]] fault ${i}`, ...c.extra });
    if (sub.status >= 500) row.fivexx++;
    if (sub.status !== 202) {
      bad(`submit answered ${sub.status}`, "other");
      return row;
    }
    const id = sub.body.job_id;
    let job: any;
    try {
      job = await gw.waitJob(id, undefined, 60_000);
    } catch (err) {
      bad(`never ended: ${(err as Error).message}`, "lost");
      return row;
    }
    const e = c.expect;
    const got = { status: job.status, error_code: job.error_code, error: job.error, result: job.result };
    if (job.status !== e.status || job.error_code !== e.error_code) bad(`ended ${JSON.stringify(got).slice(0, 300)}, expected ${JSON.stringify(e)}`, "other");
    else if (e.result !== undefined && job.result !== e.result) bad(`result ${JSON.stringify(job.result).slice(0, 100)}, expected ${JSON.stringify(e.result)}`, "other");
    else if (e.resultLength !== undefined && job.result?.length !== e.resultLength) bad(`result of ${job.result?.length} characters, expected ${e.resultLength}`, "other");
    else if (e.error !== undefined && !String(job.error).startsWith(e.error)) bad(`error ${JSON.stringify(job.error)}, expected ${JSON.stringify(e.error)}…`, "other");
    if (job.attempts !== 1) bad(`attempts ${job.attempts}, expected 1`, "duplicated");

    const ev = await gw.json("GET", `/api/v1/jobs/${id}/events?limit=1000`);
    if (ev.status >= 500) row.fivexx++;
    const results = (ev.body?.events ?? []).filter((x: any) => x.event === "result");
    if (results.length !== 1) bad(`${results.length} result events`, results.length > 1 ? "duplicated" : "lost");

    // No process of the run is left: the CLI itself (its pid file) and anything in its group (CG_JOB_ID).
    const cliPid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : undefined;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && ((cliPid && isAlive(cliPid)) || cliProcesses([id]).length > 0)) await sleep(100);
    const left = cliProcesses([id]).map((p) => p.pid);
    if (cliPid && isAlive(cliPid) && !left.includes(cliPid)) left.push(cliPid);
    if (left.length) {
      row.orphans += left.length;
      problems.push(`${c.name}: processes ${left.join(", ")} still alive 10 s after the job ended`);
      for (const p of left) {
        try {
          process.kill(p, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
    row.seconds = (Date.now() - t0) / 1000;
    return row;
  };

  const rows = await Promise.all(cases.map(run));

  // The usage limit: the job goes back to the queue with its attempt refunded and the queue pauses until the
  // reset the CLI reported. Alone, because it pauses everything behind it.
  rows.push(await usageLimit(gw, problems));

  // Still serving, with bounded memory.
  const tail = emptyRow("fault: still serving");
  tail.jobs = 1;
  const t0 = Date.now();
  const health = await gw.json("GET", "/api/v1/health");
  if (health.status !== 200) {
    tail.other++;
    problems.push(`health answered ${health.status}`);
  }
  const normal = await gw.submit({ prompt: "[[reply:a normal job]] after the faults" });
  const done = await gw.waitJob(normal.job_id, undefined, 30_000).catch(() => undefined);
  if (done?.status !== "completed" || done.result !== "a normal job") {
    tail.other++;
    problems.push(`a normal job after the faults ended ${JSON.stringify(done)}`);
  }
  if (gw.child.exitCode !== null || gw.child.signalCode !== null) {
    tail.other++;
    problems.push("the server died");
  }
  tail.seconds = (Date.now() - t0) / 1000;
  rows.push(tail);
  sampling = false;
  await sampler;
  return { rows, problems, maxRssMiB, baseRssMiB };
}

async function usageLimit(gw: GatewayProcess, problems: string[]): Promise<ChaosRow> {
  const row = emptyRow("fault: usage-limit result");
  row.jobs = 1;
  const t0 = Date.now();
  const bad = (what: string) => {
    row.other++;
    problems.push(`usage limit: ${what}`);
  };
  const reset = Math.floor(Date.now() / 1000) + 3600;
  const job = await gw.submit({ prompt: `[[usage-limit:${reset}]] fault usage limit` });
  const deadline = Date.now() + 15_000;
  let pause: any;
  while (Date.now() < deadline) {
    pause = (await gw.json("GET", "/api/v1/stats")).body.pause;
    if (pause.paused) break;
    await sleep(100);
  }
  const after = (await gw.json("GET", `/api/v1/jobs/${job.job_id}`)).body;
  if (!pause?.paused || pause.source !== "usage_limit" || pause.paused_until !== new Date(reset * 1000).toISOString()) bad(`the queue is not paused until the reset: ${JSON.stringify(pause)}`);
  if (after.status !== "queued" || after.attempts !== 0 || after.error_code !== undefined) bad(`the job is ${JSON.stringify({ status: after.status, attempts: after.attempts, error_code: after.error_code })}, expected queued with its attempt refunded`);
  const health = (await gw.json("GET", "/api/v1/health")).body;
  if (health.paused_until !== new Date(reset * 1000).toISOString()) bad(`health shows paused_until ${health.paused_until}`);
  // The operator gives up on it and resumes the queue.
  if ((await gw.json("POST", `/api/v1/jobs/${job.job_id}/cancel`)).status !== 200) bad("the cancel was refused");
  if ((await gw.json("POST", "/api/v1/queue/resume")).status !== 200) bad("the resume was refused");
  const deadline2 = Date.now() + 10_000;
  while (Date.now() < deadline2 && cliProcesses([job.job_id]).length > 0) await sleep(100);
  row.orphans += cliProcesses([job.job_id]).length;
  row.seconds = (Date.now() - t0) / 1000;
  return row;
}
