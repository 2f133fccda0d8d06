// P7: scale-out. 1, 2 and 3 gateways on one PostgreSQL database (a fresh one per count), each with
// CLAUDEGATE_CONCURRENCY=4 and a scripted CLI that sleeps 1 s using no CPU (sleep-cli.sh). With the queue paused
// (cluster-wide), enough jobs for the whole measurement are submitted round robin to the instances, then the
// queue is resumed; the figure is the completion rate in steady state: jobs whose completed_at falls in a window
// that starts WARMUP_S after the resume and lasts WINDOW_S (every instance still has queued work at its end),
// taken as the slope of their cumulative count over time (least squares): with one instance the four slots
// finish in bunches about a second apart, and a plain count over the window would be off by up to one bunch.
// The ideal is 4 × instances jobs per second; the target is three instances ≥ 2.8 × one.
import { join } from "node:path";
import { BENCH_DIR, Gateway, cpuMs, fmt, sleep } from "./lib.mjs";
import { startPostgres } from "./postgres.mjs";

const INSTANCES = [1, 2, 3];
const CONCURRENCY = 4;
const WARMUP_S = 3;
const WINDOW_S = Number(process.env.BENCH_P7_WINDOW_SECONDS ?? 15);
// Queued beyond the window: about 4 more seconds of runs, so no instance runs dry inside it.
const JOBS_PER_SLOT = WARMUP_S + WINDOW_S + 4;
const CLI = join(BENCH_DIR, "sleep-cli.sh");

export async function run({ log }) {
  const pg = await startPostgres("p7");
  const results = [];
  try {
    for (const n of INSTANCES) {
      const r = await round(pg, n);
      log(
        `${n} instance${n > 1 ? "s" : ""}: ${fmt(r.rate, 2)} jobs/s in the window (ideal ${n * CONCURRENCY}); running per instance p50 ${r.running}; ` +
          `gateway CPU ${r.cpuPerJob.map((c) => fmt(c, 1)).join(", ")} ms per job`,
      );
      results.push({ n, ...r });
    }
  } finally {
    await pg.stop();
  }
  const one = results[0].rate;
  const three = results.find((r) => r.n === 3);
  const ratio = three.rate / one;
  return {
    rows: [
      {
        id: "P7",
        scenario: `scale-out on one PostgreSQL: jobs completed/s, instances × concurrency ${CONCURRENCY}, a CLI that sleeps 1 s (steady state, ${WINDOW_S} s window)`,
        figure: results.map((r) => `${r.n}: ${fmt(r.rate, 2)} /s`).join(", ") + ` (3 = ${fmt(ratio, 2)}× one)`,
        baseline: `ideal ${results.map((r) => r.n * CONCURRENCY).join(", ")} /s`,
        target: "3 ≥ 2.8× one",
        met: ratio >= 2.8,
      },
    ],
    notes: [
      `P7: ${results.map((r) => `${r.n} instance${r.n > 1 ? "s" : ""}: ${r.jobs} jobs submitted round robin while paused, ${r.inWindow} completed in the window ` +
        `(${fmt(r.counted, 2)} /s counted; slope ${fmt(r.rate, 2)} /s = ${fmt((r.rate / (r.n * CONCURRENCY)) * 100, 1)} % of ideal), mean run ${fmt(r.meanRunMs)} ms from claim to completion, ` +
        `CLIs running per instance p50/min over the window ${r.running}, gateway CPU per job ${r.cpuPerJob.map((c) => fmt(c, 1)).join(" / ")} ms`).join("; ")}. ` +
        `The CLI is scripts/bench/sleep-cli.sh (a shell that sleeps 1 s); sandbox as configured by default; PostgreSQL ${pg.version}, durable defaults.`,
    ],
  };
}

async function round(pg, n) {
  const db = `p7_${n}`;
  const url = await pg.createDatabase(db);
  const env = { CLAUDEGATE_DATABASE_URL: url, CLAUDEGATE_CONCURRENCY: String(CONCURRENCY), CLAUDEGATE_CLAUDE_PATH: CLI, CLAUDEGATE_QUEUE_SIZE: "100000" };
  const gws = [];
  try {
    for (let i = 0; i < n; i++) gws.push(await Gateway.start(`p7-${n}-${i}`, env));
    await gws[0].pauseQueue();
    const jobs = n * CONCURRENCY * JOBS_PER_SLOT;
    const inFlight = [];
    for (let i = 0; i < jobs; i++) {
      inFlight.push(gws[i % n].submit({ prompt: `scale-out job ${i}` }));
      if (inFlight.length >= 16) await Promise.all(inFlight.splice(0));
    }
    await Promise.all(inFlight);
    const cpu0 = gws.map((g) => cpuMs(g.pid));
    const resumedAt = Date.now();
    const resume = await gws[0].request("POST", "/api/v1/queue/resume");
    if (resume.status >= 300) throw new Error(`resume: ${resume.status} ${resume.text}`);
    // Sample the CLIs running on each instance during the window (what the cluster's stats report).
    const samples = gws.map(() => []);
    const windowStart = resumedAt + WARMUP_S * 1000;
    const windowEnd = windowStart + WINDOW_S * 1000;
    while (Date.now() < windowEnd) {
      if (Date.now() >= windowStart) {
        const stats = await Promise.all(gws.map((g) => g.stats()));
        stats.forEach((s, i) => samples[i].push(s.running_clis));
      }
      await sleep(250);
    }
    const cpuPerJobBase = gws.map((g, i) => cpuMs(g.pid) - cpu0[i]);
    const done = (await pg.query(db, `SELECT completed_at, started_at FROM jobs WHERE status = 'completed'`)).map((r) => ({
      completed_at: Number(r.completed_at),
      started_at: Number(r.started_at),
    }));
    const completedSoFar = done.length;
    const times = done.map((r) => r.completed_at).filter((t) => t >= windowStart && t < windowEnd).sort((x, y) => x - y);
    const inWindow = times.length;
    const left = await pg.query(db, `SELECT count(*)::int AS n FROM jobs WHERE status = 'queued'`);
    if (left[0].n === 0) throw new Error(`P7 (${n}): the queue ran dry inside the window; submit more jobs`);
    const failed = await pg.query(db, `SELECT count(*)::int AS n FROM jobs WHERE status = 'failed'`);
    if (failed[0].n > 0) throw new Error(`P7 (${n}): ${failed[0].n} jobs failed`);
    const runs = done.filter((r) => r.completed_at >= windowStart && r.completed_at < windowEnd).map((r) => r.completed_at - r.started_at);
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return {
      jobs,
      inWindow,
      rate: slopePerSecond(times),
      counted: inWindow / WINDOW_S,
      meanRunMs: runs.reduce((a, b) => a + b, 0) / runs.length,
      running: samples.map((s) => `${median(s)}/${Math.min(...s)}`).join(", "),
      cpuPerJob: cpuPerJobBase.map((c) => c / Math.max(1, completedSoFar / n)),
    };
  } finally {
    await Promise.all(gws.map((g) => g.stop()));
  }
}

/** Least-squares slope of the cumulative completion count over time, in jobs per second. */
function slopePerSecond(times) {
  const n = times.length;
  if (n < 2) return NaN;
  const mt = times.reduce((a, b) => a + b, 0) / n;
  const mi = (n + 1) / 2;
  let cov = 0;
  let varT = 0;
  times.forEach((t, i) => {
    cov += (t - mt) * (i + 1 - mi);
    varT += (t - mt) ** 2;
  });
  return (cov / varT) * 1000;
}
