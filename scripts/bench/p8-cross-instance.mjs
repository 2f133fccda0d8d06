// P8: chunk latency across instances. Two gateways on one PostgreSQL database; the job runs on instance B (the
// scripted CLI stamp-cli.mjs, as in P3: 100 chunks 20 ms apart, stamped with the wall clock right before each
// write) and 100 SSE subscribers read it on instance A, where each chunk arrives by B's event batch → COMMIT →
// NOTIFY → A's listener → A reads the rows → A's hub (A announces the job on cg_watch when its first subscriber
// comes, so B stores the job's chunks at the end of each event-loop turn instead of every 15 ms). The baseline is
// the same job read by the same 100 subscribers on B itself (one instance: B's hub). P3's harness measures both; rounds alternate cross, local,
// local, cross and their samples are pooled. Where the time goes: PostgreSQL records each transaction's commit
// time (track_commit_timestamp), so every stored chunk gives CLI write (its stamp) → appended on B (created_at)
// → committed on B (the commit timestamp, before the WAL flush); the rest of a reader's latency is the flush,
// NOTIFY, A's read of the rows and the fan-out; a LISTEN client of the bench's own (idle) notes when each
// event's notification arrives, which splits that rest into PostgreSQL's part and A's; it also notes when A's
// cg_watch announcement of each job arrives, to check that it came before the job's first chunk.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import { API_KEY, Gateway, fmt, percentile, sleep, tmpDir } from "./lib.mjs";
import { CHUNKS, INTERVAL_MS, measure, summary } from "./p3-fanout.mjs";
import { startPostgres } from "./postgres.mjs";
import pgClient from "pg";

const SUBSCRIBERS = 100;
const ORDER = ["cross", "local", "local", "cross"];
const TARGET_P50_MS = 20;
const FLUSH_MS = 15;
const STAGES = `SELECT seq, data, created_at, extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000 AS committed
  FROM job_events WHERE job_id = $1 AND event = 'chunk'`;

export async function run({ log }) {
  const pg = await startPostgres("p8", { track_commit_timestamp: "on" });
  const gws = [];
  try {
    const url = await pg.createDatabase("p8");
    // No sandbox: the CLI's go-file lies under the bench's /tmp folder, which a sandboxed CLI cannot see (P3 too).
    const env = { CLAUDEGATE_DATABASE_URL: url, CLAUDEGATE_MAX_STREAMS_PER_KEY: String(4 * SUBSCRIBERS), CLAUDEGATE_SANDBOX: "off" };
    const a = await Gateway.start("p8-a", env);
    gws.push(a);
    const b = await Gateway.start("p8-b", env);
    gws.push(b);
    // Arrival time of each announced event (`<job> <first seq> <last seq>` lines on cg_events).
    const heard = new Map();
    // Arrival time of each job's first cg_watch announcement (job ids, one a line).
    const watchHeard = new Map();
    const listener = new pgClient.Client({ connectionString: url });
    listener.on("error", () => {}); // the server stopping under it after a failed round
    await listener.connect();
    listener.on("notification", (n) => {
      const at = performance.timeOrigin + performance.now();
      if (n.channel === "cg_watch") {
        for (const job of (n.payload ?? "").split("\n")) if (job && !watchHeard.has(job)) watchHeard.set(job, at);
        return;
      }
      for (const line of (n.payload ?? "").split("\n")) {
        const [job, first, last] = line.split(" ");
        for (let seq = Number(first); seq <= Number(last); seq++) heard.set(`${job} ${seq}`, at);
      }
    });
    await listener.query("LISTEN cg_events");
    await listener.query("LISTEN cg_watch");
    const samples = { cross: [], local: [] };
    const stages = { cross: { append: [], commit: [], notify: [] }, local: { append: [], commit: [], notify: [] } };
    const loads = [];
    // Per cross round: ms from A's cg_watch announcement being heard to the first chunk's append on B (> 0: in time).
    const watchLead = [];
    // Per round: its p50 and, to tell a slow round's cause, its stages' p50s (appended → committed, → NOTIFY heard).
    const perRound = [];
    for (const which of ORDER) {
      const r = await roundOn(b, which === "cross" ? a : b, a);
      const s = summary(r.latencies);
      log(`${which}: p50 ${fmt(s.p50, 2)} / p99 ${fmt(s.p99, 2)} ms`);
      samples[which].push(...r.latencies);
      const rows = await pg.query("p8", STAGES, [r.jobId]);
      if (which === "cross") {
        const w = watchHeard.get(r.jobId);
        watchLead.push(w === undefined ? "not heard" : `${fmt(Math.min(...rows.map((row) => Number(row.created_at))) - w, 0)} ms`);
      }
      for (const row of rows) {
        const stamp = Number(/"text":"@(\d+\.\d+);"/.exec(row.data)?.[1]);
        stages[which].append.push(Number(row.created_at) - stamp);
        stages[which].commit.push(Number(row.committed) - Number(row.created_at));
        const at = heard.get(`${r.jobId} ${row.seq}`);
        if (at !== undefined) stages[which].notify.push(at - Number(row.committed));
      }
      const mine = rows.map((row) => ({ commit: Number(row.committed) - Number(row.created_at), heard: heard.get(`${r.jobId} ${row.seq}`) - Number(row.committed) }));
      perRound.push(
        `${which} ${fmt(s.p50, 1)} (${fmt(percentile(mine.map((m) => m.commit), 50), 1)} / ${fmt(percentile(mine.map((m) => m.heard).filter(Number.isFinite), 50), 1)}, load ${fmt(os.loadavg()[0], 1)})`,
      );
      loads.push(os.loadavg()[0]);
    }
    const cross = summary(samples.cross);
    const local = summary(samples.local);
    await listener.end();
    const stage = (which) => {
      const append = percentile(stages[which].append, 50);
      const commit = percentile(stages[which].commit, 50);
      const notify = percentile(stages[which].notify, 50);
      const p50 = summary(samples[which]).p50;
      const heardBy = `committed → NOTIFY heard by an idle client (the WAL flush included) ${fmt(notify, 1)} ms`;
      // On one instance the hub publishes after the commit (the NOTIFY is for the others): it is not on the path.
      return which === "cross"
        ? `CLI write → appended ${fmt(append, 1)} ms, appended → committed ${fmt(commit, 1)} ms, ${heardBy}, the rest (A reads the rows, fan-out) ≈ ${fmt(p50 - append - commit - notify, 1)} ms (p50 − the three)`
        : `CLI write → appended ${fmt(append, 1)} ms, appended → committed ${fmt(commit, 1)} ms, the rest (WAL flush, fan-out) ≈ ${fmt(p50 - append - commit, 1)} ms (p50 − both; ${heardBy})`;
    };
    return {
      rows: [
        {
          id: "P8",
          scenario: `chunk latency across instances on PostgreSQL: CLI on B, ${SUBSCRIBERS} SSE subscribers on A (p50 / p99)`,
          figure: `${fmt(cross.p50, 2)} / ${fmt(cross.p99, 2)} ms`,
          baseline: `the same ${SUBSCRIBERS} subscribers on B (one instance): ${fmt(local.p50, 2)} / ${fmt(local.p99, 2)} ms`,
          target: `p50 ≤ ${TARGET_P50_MS} ms`,
          met: cross.p50 <= TARGET_P50_MS,
        },
      ],
      notes: [
        `P8: ${fmt(cross.n)} cross-instance and ${fmt(local.n)} one-instance samples (${CHUNKS} chunks ${INTERVAL_MS} ms apart × ${SUBSCRIBERS} readers in 2 ` +
          `reader processes, rounds ${ORDER.join(", ")}); max ${fmt(cross.max, 1)} ms across, ${fmt(local.max, 1)} ms on one instance. ` +
          `Load average during the rounds ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} on ${os.cpus().length} cores. ` +
          `Per round, p50 ms (its appended → committed / committed → NOTIFY heard p50s): ${perRound.join(", ")}. ` +
          `PostgreSQL ${pg.version}, durable defaults. Where the time goes (p50 per stage, ms resolution of created_at): across: ${stage("cross")}; ` +
          `one instance: ${stage("local")}. B writes a job's chunks at the end of the event-loop turn when a subscriber on B watches it ` +
          `or another instance has announced a watcher on cg_watch, else after a ${FLUSH_MS} ms batching window (runtime/gateway.ts, EventLog flushMs on PostgreSQL); ` +
          `A's cg_watch announcement of the job was heard before B appended its first chunk by: ${watchLead.join(", ")} (cross rounds).`,
      ],
    };
  } finally {
    await Promise.all(gws.map((g) => g.stop()));
    await pg.stop();
  }
}

/** One job run by `runner`, its chunks read by SUBSCRIBERS streams on `reader`. */
async function roundOn(runner, reader, other) {
  const go = join(tmpDir("p8"), `go-${Date.now()}`);
  const prompt = `[[go:${go}]] [[chunks:${CHUNKS}]] [[interval:${INTERVAL_MS}]] across instances`;
  // The submitting instance claims the job itself when it has a free slot; should the other one win the race
  // (its periodic pump), the job is cancelled and submitted again.
  let job;
  for (let attempt = 1; ; attempt++) {
    job = await runner.submit({ prompt });
    await runner.waitJob(job.job_id, (j) => j.status === "processing", 30_000);
    if ((await runner.stats()).running_clis === 1) break;
    await other.request("POST", `/api/v1/jobs/${job.job_id}/cancel`);
    if (attempt === 3) throw new Error("P8: the job never ran on the instance it was submitted to");
  }
  const r = await measure(SUBSCRIBERS, `${reader.url}/api/v1/jobs/${job.job_id}/sse`, { "X-API-Key": API_KEY }, () => writeFileSync(go, ""));
  const done = await runner.waitJob(job.job_id, (j) => j.status !== "processing", 30_000);
  if (done.status !== "completed") throw new Error(`P8 job ${done.status}: ${done.error}`);
  while ((await runner.stats()).running_clis !== 0) await sleep(10);
  return { ...r, jobId: job.job_id };
}
