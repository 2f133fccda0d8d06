// The kill -9 loop: rounds of submitting a mix of jobs (fast, slow, failing, lingering, cancelled, a few run by
// the real CLI against the fake Messages API), SIGKILLing the server at a random moment, and restarting it on the
// same data directory. At the end every accepted job must be terminal exactly once, none lost, none run more
// often than CLAUDEGATE_MAX_ATTEMPTS, and no CLI process left. Shared by the full suite (test/chaos) and the
// fast subset in `npm test` (test/e2e/chaos-fast.test.ts), which differ only in the options.
//
// "Exactly once", checked per job from outside the gateway:
//   - the job exists and is terminal (completed, failed or cancelled), and its outcome is one its kind allows
//     (e.g. a `[[crash]]` job is `failed`/`cli_error`, and any job may be `failed`/`interrupted` only once it
//     has used every attempt);
//   - its event log (/events) is numbered 1..n without a gap and holds exactly one `result`, the last event,
//     whose status is the job's;
//   - the CLI ran it at most CLAUDEGATE_MAX_ATTEMPTS times and at most `attempts` times (the fake CLI logs each
//     run with its CG_JOB_ID; real-CLI runs are counted at the fake Messages API), and never after the job
//     completed;
//   - every submit carries an Idempotency-Key, and a submit cut off by the kill is retried with the same key on
//     the next server: the database ends with exactly one job per key;
//   - the jobs running shortly before each kill are watched over SSE while the server dies under them: every
//     event id a watcher got names the same event in the final log (so resuming from it misses nothing).
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeAnthropic } from "../fake-anthropic";
import { API_KEY, FAKE_CLI, GatewayProcess, REAL_CLI, TERMINAL } from "../gateway-process";
import { cliProcesses, isAlive } from "../processes";
import { readSse } from "../sse-client";
import { Prng } from "./prng";
import { emptyRow, type ChaosRow } from "./report";

export interface KillLoopOptions {
  seed: number;
  rounds: number;
  jobsPerRound: number;
  /** Jobs run by the real CLI, spread over the rounds (they take ~300 MB and a few seconds each). */
  realCliJobs: number;
  /** The fake Messages API the real CLI talks to (needed when realCliJobs > 0). */
  fake?: FakeAnthropic;
  maxAttempts: number;
  concurrency: number;
  /** The kill comes this many ms after the round starts submitting: [min, max]. */
  killWindowMs: [number, number];
  /** How long the last server may take to finish every job. */
  drainTimeoutMs: number;
  log?: (line: string) => void;
}

export interface KillLoopReport {
  rows: ChaosRow[];
  /** One line per broken promise; empty when everything held. */
  problems: string[];
  jobs: number;
}

type Kind =
  | "fast" | "slow" | "crash" | "crash-mid" | "api-error" | "noresult" | "error-exit0"
  | "grandchild" | "linger" | "timeout" | "cancel" | "long" | "stream" | "real";

const MIX: [number, Kind][] = [
  [40, "fast"], [15, "slow"], [5, "crash"], [4, "crash-mid"], [4, "api-error"], [3, "noresult"], [3, "error-exit0"],
  [5, "grandchild"], [4, "linger"], [4, "timeout"], [8, "cancel"], [4, "long"], [6, "stream"],
];

interface Planned {
  round: number;
  key: string;
  tag: string;
  kind: Kind;
  body: Record<string, unknown>;
  /** What the job must end as, unless it is `interrupted` after its last attempt. */
  expect: { status: string; errorCode?: string; result?: string };
  jobId?: string;
  /** Submit again with the same key right after the 202: must answer the same job. */
  resubmit: boolean;
  /** What an SSE watcher got before the stream ended (the kill, or the job's end): id → data. */
  watched?: Map<string, string>;
  /** Milliseconds after acceptance to cancel it (kind "cancel"). */
  cancelAfterMs?: number;
  cancel?: "cancelled" | "too-late" | "unknown";
}

function plan(rng: Prng, round: number, index: number, kind: Kind, seed: number): Planned {
  const tag = `k${seed}r${round}j${index}`;
  const p = (prompt: string, extra: Record<string, unknown> = {}) => ({ prompt: `${prompt} ${tag}`, ...extra });
  const base = { round, key: `chaos-${seed}-${round}-${index}`, tag, kind, resubmit: rng.chance(0.1) };
  switch (kind) {
    case "fast":
      return { ...base, body: p(`[[reply:ok-${tag}]]`), expect: { status: "completed", result: `ok-${tag}` } };
    case "slow":
      return { ...base, body: p(`[[reply:s-|${tag}|-end]][[delay:300]]`), expect: { status: "completed", result: `s-${tag}-end` } };
    case "crash":
      return { ...base, body: p("[[crash]]"), expect: { status: "failed", errorCode: "cli_error" } };
    case "crash-mid":
      return { ...base, body: p("[[crash-mid]][[delay:100]]"), expect: { status: "failed", errorCode: "cli_error" } };
    case "api-error":
      return { ...base, body: p("[[api-error:500]]"), expect: { status: "failed", errorCode: "api_error" } };
    case "noresult":
      return { ...base, body: p("[[exit0-noresult]]"), expect: { status: "failed", errorCode: "cli_error" } };
    case "error-exit0":
      return { ...base, body: p("[[error-exit0]]"), expect: { status: "failed", errorCode: "auth_required" } };
    case "grandchild":
      return { ...base, body: p(`[[grandchild]][[reply:g-${tag}]]`), expect: { status: "completed", result: `g-${tag}` } };
    case "linger":
      return { ...base, body: p(`[[reply:l-${tag}]][[linger]]`), expect: { status: "completed", result: `l-${tag}` } };
    case "timeout":
      return { ...base, body: p("[[hang]]", { timeout_seconds: 1 }), expect: { status: "failed", errorCode: "timeout" } };
    case "cancel":
      return {
        ...base,
        body: p(`[[reply:c-|${tag}]][[delay:400]]`),
        expect: { status: "completed", result: `c-${tag}` },
        cancelAfterMs: rng.int(0, 1500),
      };
    case "long":
      // Long enough to be running at the next kill too, so some jobs use up their attempts.
      return { ...base, body: p(`[[reply:a|b|c|d|e|${tag}]][[delay:1000]]`), expect: { status: "completed", result: `abcde${tag}` } };
    case "stream": {
      // A dense token stream (60 chunks, 40 ms apart): a kill while it runs always catches events in flight.
      const parts = Array.from({ length: 60 }, (_, k) => `t${k}.`);
      return { ...base, body: p(`[[reply:${parts.join("|")}]][[delay:40]]`), expect: { status: "completed", result: parts.join("") } };
    }
    case "real":
      // The marker in the system prompt makes the CLI wrapper exec the real CLI (see cliWrapper).
      return {
        ...base,
        body: p(`[[reply:r-|${tag}]][[delay:100]]`, { system_prompt: "[[real-cli]]" }),
        expect: { status: "completed", result: `r-${tag}` },
      };
  }
}

/** One executable for both CLIs: the real one when the system prompt has `[[real-cli]]`, else the fake. */
function cliWrapper(dir: string): string {
  const file = join(dir, "claude-wrapper.sh");
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    file,
    `#!/bin/sh\n# exec keeps the pid, the process group and setpriv's parent-death signal\n` +
      `case "$*" in *'[[real-cli]]'*) exec ${q(REAL_CLI)} "$@" ;; esac\n` +
      `exec ${q(process.execPath)} ${q(FAKE_CLI)} "$@"\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runKillLoop(o: KillLoopOptions): Promise<KillLoopReport> {
  const log = o.log ?? (() => {});
  const rng = new Prng(o.seed);
  const scratch = mkdtempSync(join(tmpdir(), "cg-chaos-kill-"));
  const cliLog = join(scratch, "cli.log");
  const env: Record<string, string> = {
    CLAUDEGATE_CLAUDE_PATH: cliWrapper(scratch),
    CLAUDEGATE_CONCURRENCY: String(o.concurrency),
    CLAUDEGATE_MAX_ATTEMPTS: String(o.maxAttempts),
    CLAUDEGATE_SHUTDOWN_GRACE_SECONDS: "1",
    CLAUDEGATE_CLI_ENV: "FAKE_CLAUDE_LOG",
    FAKE_CLAUDE_LOG: cliLog,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    ...(o.fake ? { ANTHROPIC_BASE_URL: o.fake.url } : {}),
  };
  const rows = Array.from({ length: o.rounds }, (_, i) => emptyRow(`kill ${i + 1}`));
  const endRow = emptyRow("kill end");
  const problems: string[] = [];
  const all: Planned[] = [];
  const t0 = Date.now();

  let gw = await GatewayProcess.start({ env });
  const dataDir = gw.dataDir;

  /** A request to whichever server is current; 5xx answers are counted on `row`; undefined when the server was gone. */
  const call = async (row: ChaosRow, method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    let status: number;
    let text: string;
    try {
      const res = await fetch(gw.url + path, {
        method,
        headers: { "X-API-Key": API_KEY, ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      status = res.status;
      text = await res.text();
    } catch {
      return undefined; // the server was killed under the request
    }
    if (status >= 500) {
      row.fivexx++;
      problems.push(`${method} ${path} answered ${status}: ${text.slice(0, 200)}`);
    }
    try {
      return { status, body: text ? JSON.parse(text) : undefined };
    } catch {
      row.other++;
      problems.push(`${method} ${path} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`);
      return undefined;
    }
  };

  const submit = async (row: ChaosRow, job: Planned): Promise<boolean> => {
    const r = await call(row, "POST", "/api/v1/jobs", job.body, { "Idempotency-Key": job.key });
    if (r?.status !== 202) return false;
    if (job.jobId !== undefined && job.jobId !== r.body.job_id) {
      row.duplicated++;
      problems.push(`${job.tag}: a retried submit with the same Idempotency-Key made a second job (${job.jobId}, ${r.body.job_id})`);
    }
    job.jobId ??= r.body.job_id;
    if (job.resubmit) {
      const again = await call(row, "POST", "/api/v1/jobs", job.body, { "Idempotency-Key": job.key });
      if (again?.status === 202 && again.body.job_id !== job.jobId) {
        row.duplicated++;
        problems.push(`${job.tag}: a repeated submit with the same Idempotency-Key made a second job`);
      }
    }
    if (job.cancelAfterMs !== undefined && job.cancel === undefined) {
      job.cancel = "unknown";
      cancels.push(
        sleep(job.cancelAfterMs).then(async () => {
          const c = await call(row, "POST", `/api/v1/jobs/${job.jobId}/cancel`);
          job.cancel = c?.status === 200 ? "cancelled" : c?.status === 409 ? "too-late" : "unknown";
        }),
      );
    }
    return true;
  };
  const cancels: Promise<void>[] = [];
  const watchers: Promise<void>[] = [];
  /** Subscribes to the streams of the jobs running now (the kill is about to hit them). */
  const watchRunning = async (row: ChaosRow) => {
    const r = await call(row, "GET", "/api/v1/jobs?status=processing&limit=20");
    for (const running of r?.body?.jobs ?? []) {
      const job = all.find((j) => j.jobId === running.job_id);
      if (!job || job.watched) continue;
      const seen = (job.watched = new Map<string, string>());
      watchers.push(
        readSse(`${gw.url}/api/v1/jobs/${job.jobId}/sse`, {
          headers: { "X-API-Key": API_KEY },
          onEvent: (e) => void (e.id !== undefined && seen.set(e.id, e.data)),
        }).then(
          () => undefined,
          () => undefined, // cut by the kill
        ),
      );
    }
  };

  let realLeft = o.realCliJobs;
  for (let round = 1; round <= o.rounds; round++) {
    const row = rows[round - 1]!;
    const started = Date.now();
    const jobs: Planned[] = [];
    const realHere = Math.ceil(realLeft / (o.rounds - round + 1));
    realLeft -= realHere;
    for (let i = 0; i < o.jobsPerRound; i++) {
      const kind: Kind = i < realHere ? "real" : rng.weighted(MIX);
      jobs.push(plan(rng, round, i, kind, o.seed));
    }
    // Shuffle so the real-CLI jobs are not always first.
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
    }
    all.push(...jobs);
    row.jobs = jobs.length;

    const killAfter = rng.int(o.killWindowMs[0], o.killWindowMs[1]);
    const gaps = jobs.map(() => rng.int(0, 30));
    let killed = false;
    let atKill: { pid: number; jobId: string }[] = [];
    const killer = (async () => {
      await sleep(Math.max(0, killAfter - 400));
      await watchRunning(row);
      await sleep(Math.min(killAfter, 400));
      atKill = cliProcesses();
      await gw.stop("SIGKILL");
      atKill.push(...cliProcesses()); // and whatever started meanwhile, still dying
      killed = true;
    })();
    const submitter = (async () => {
      for (let i = 0; i < jobs.length && !killed; i++) {
        await submit(row, jobs[i]!);
        await sleep(gaps[i]!);
      }
    })();
    await Promise.all([killer, submitter]);

    // Submits the kill cut off (or never sent) go to the new server with the same Idempotency-Key.
    gw = await GatewayProcess.start({ dataDir, env });
    for (const job of jobs) {
      if (job.jobId !== undefined) continue;
      if (!(await submit(row, job))) problems.push(`${job.tag}: the restarted server refused the submit`);
    }

    // What the killed server left: its CLIs die with it (pdeathsig), grandchildren are reaped by the restart.
    const ours = new Set(all.map((j) => j.jobId));
    const left = atKill.filter((p) => ours.has(p.jobId));
    const orphans = await survivors([...new Set(left.map((p) => p.pid))], 10_000);
    row.orphans += orphans.length;
    for (const pid of orphans) {
      problems.push(`round ${round}: CLI process ${pid} of the killed server still alive 10 s after the restart`);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    row.seconds = (Date.now() - started) / 1000;
    log(`round ${round}: ${jobs.length} jobs, killed after ${killAfter} ms, ${left.length} CLI processes at the kill, ${orphans.length} orphans`);
  }

  // The last server runs every job to its end.
  const drainStart = Date.now();
  await Promise.all(cancels);
  await Promise.all(watchers);
  const accepted = all.filter((j) => j.jobId !== undefined);
  for (const deadline = Date.now() + o.drainTimeoutMs; ; await sleep(250)) {
    const s = await call(endRow, "GET", "/api/v1/stats");
    if (s?.status === 200 && s.body.queue.queued === 0 && s.body.queue.processing === 0) break;
    if (Date.now() > deadline) {
      problems.push(`the last server did not finish every job within ${o.drainTimeoutMs} ms: ${JSON.stringify(s?.body?.queue)}`);
      break;
    }
  }

  // Verify every job.
  const runs = readRuns(cliLog);
  const outcomes = new Map<string, number>();
  let reruns = 0;
  const byRound = (j: Planned) => rows[j.round - 1]!;
  for (const job of accepted) {
    const row = byRound(job);
    const bad = (what: string, column: "lost" | "duplicated" | "other") => {
      row[column]++;
      problems.push(`${job.tag} (${job.kind}, ${job.jobId}): ${what}`);
    };
    const r = await call(endRow, "GET", `/api/v1/jobs/${job.jobId}`);
    if (r?.status !== 200) {
      bad(`GET answered ${r?.status ?? "nothing"}`, "lost");
      continue;
    }
    const j = r.body;
    if (!TERMINAL.has(j.status)) {
      bad(`not terminal: ${j.status}`, "lost");
      continue;
    }
    // The event log: 1..n, exactly one result, last, with the job's status.
    const events = await allEvents(endRow, job.jobId!, call);
    if (!events) {
      bad("its events could not be read", "other");
      continue;
    }
    const gaps = events.some((e, i) => e.id !== i + 1);
    if (gaps) bad(`event ids are not 1..n: ${events.map((e) => e.id).join(",")}`, "other");
    if (job.watched && process.env.CHAOS_DEBUG) log(`watched ${job.tag} ${job.kind}: saw ${job.watched.size} ids, ran ${runs.get(job.jobId!)?.length}, ${j.status}`);
    if (job.watched) {
      const stored = new Map(events.map((e) => [String(e.id), JSON.stringify(e.data)]));
      const reused = [...job.watched].filter(([id, data]) => stored.get(id) !== data);
      if (reused.length) bad(`a watcher got ids that now name other events (${reused.map(([id]) => id).join(",")}): resuming from them misses events`, "other");
    }
    const results = events.filter((e) => e.event === "result");
    if (results.length === 0) bad("no result event", "lost");
    else if (results.length > 1) bad(`${results.length} result events`, "duplicated");
    else if (events.at(-1)!.event !== "result") bad("the result event is not the last", "other");
    else if (results[0]!.data.status !== j.status) bad(`result event says ${results[0]!.data.status}, the job ${j.status}`, "other");

    // How often it ran.
    const times = job.kind === "real" ? realRuns(o.fake, job.tag) : (runs.get(job.jobId!) ?? []);
    const n = times.length;
    if (n > 1) reruns++;
    const outcome = `${j.status}${j.error_code ? `/${j.error_code}` : ""}`;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (n > o.maxAttempts) bad(`ran ${n} times, more than CLAUDEGATE_MAX_ATTEMPTS=${o.maxAttempts}`, "duplicated");
    else if (n > j.attempts) bad(`ran ${n} times but counts ${j.attempts} attempts`, "duplicated");
    if (j.status === "completed" && times.some((t) => t > Date.parse(j.completed_at))) bad("ran again after it completed", "duplicated");

    // The outcome its kind allows.
    const interrupted = j.status === "failed" && j.error_code === "interrupted";
    if (interrupted) {
      if (j.attempts < o.maxAttempts) bad(`failed interrupted after only ${j.attempts} attempts`, "other");
    } else if (job.kind === "cancel" && job.cancel === "cancelled") {
      if (j.status !== "cancelled") bad(`cancel answered 200 but the job is ${j.status}`, "other");
    } else if (job.kind === "cancel" && job.cancel === "unknown" && j.status === "cancelled") {
      // the cancel reached the server, whose answer the kill swallowed
    } else {
      const e = job.expect;
      const ok = j.status === e.status && (e.errorCode === undefined || j.error_code === e.errorCode) && (e.result === undefined || j.result === e.result);
      if (!ok) bad(`ended ${j.status}/${j.error_code ?? ""} ${JSON.stringify(j.result ?? j.error ?? "").slice(0, 120)}, expected ${JSON.stringify(e)}`, "other");
    }
  }

  // One job per Idempotency-Key: nothing was created twice.
  const total = await call(endRow, "GET", "/api/v1/jobs?limit=1");
  if (total?.status === 200 && total.body.total !== accepted.length) {
    endRow.duplicated += Math.max(0, total.body.total - accepted.length);
    problems.push(`the database holds ${total.body.total} jobs for ${accepted.length} Idempotency-Keys`);
  }
  if (accepted.length !== all.length) problems.push(`${all.length - accepted.length} submits were never accepted`);

  // A graceful stop of the last server leaves no CLI behind.
  await gw.stop("SIGTERM");
  const ids = accepted.map((j) => j.jobId!);
  const leftover = await survivors(cliProcesses(ids).map((p) => p.pid), 10_000);
  endRow.orphans += leftover.length;
  if (leftover.length) problems.push(`${leftover.length} CLI processes left after the last server stopped: ${leftover.join(", ")}`);
  endRow.jobs = accepted.length;
  endRow.seconds = (Date.now() - drainStart) / 1000;
  log(`outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(", ")}; ${reruns} jobs ran more than once`);
  log(`kill loop: ${accepted.length} jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${problems.length} problems`);
  return { rows: [...rows, endRow], problems, jobs: accepted.length };
}

/** Pids among `pids` still alive after waiting up to `ms` for them to go. */
async function survivors(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = pids.filter(isAlive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(100);
  }
}

/** When the fake CLI started each run, per job id (from its log). */
function readRuns(file: string): Map<string, number[]> {
  const runs = new Map<string, number[]>();
  if (!existsSync(file)) return runs;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    let entry: { env?: Record<string, string>; at?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // a run killed while it wrote its line
    }
    const id = entry.env?.CG_JOB_ID;
    if (!id) continue;
    runs.set(id, [...(runs.get(id) ?? []), entry.at ?? 0]);
  }
  return runs;
}

/** Real-CLI runs of a job: its main requests at the fake Messages API (the run's time is not needed: 0). */
function realRuns(fake: FakeAnthropic | undefined, tag: string): number[] {
  if (!fake) return [];
  // A run killed by the server's death may have sent its request; one that completed sent one.
  return fake.requests.filter((r) => r.kind === "main" && r.prompt.includes(tag)).map(() => 0);
}

type Call = (row: ChaosRow, method: string, path: string) => Promise<{ status: number; body: any } | undefined>;

async function allEvents(row: ChaosRow, id: string, call: Call): Promise<{ id: number; event: string; data: any }[] | undefined> {
  const out: { id: number; event: string; data: any }[] = [];
  let after = 0;
  for (let page = 0; page < 100; page++) {
    const r = await call(row, "GET", `/api/v1/jobs/${id}/events?after=${after}&limit=1000`);
    if (r?.status !== 200) return undefined;
    out.push(...r.body.events);
    after = r.body.last_id;
    if (!r.body.has_more) return out;
  }
  return out;
}
