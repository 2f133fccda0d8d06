// P11: warm CLI processes (CLAUDEGATE_WARM_PROCESSES). 30 sequential jobs through a gateway keeping one CLI warm,
// interleaved with 30 direct cold runs of the same CLI (the gateway's exact cold argv and environment, captured as
// in P1), against the same fake Messages API. Measured: submit → first `chunk` event against spawn → first text
// delta (P11), and submit → `result` against spawn → exit (P1 with warm processes). Before each gateway job the
// replacement warm CLI is given time to finish its start-up (its CPU time stops growing), as between jobs that do
// not arrive back to back. Also: the memory (RSS) the idle warm process holds.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { startFakeApi } from "./fake-api.mjs";
import { captureInvocation } from "./p1-latency.mjs";
import { API_KEY, Gateway, REAL_CLI, STAMP_CLI, cpuMs, fmt, percentile, procStatusKiB, sleep, sseSplitter, sum, tmpDir, track, withOwnSystemPromptFile } from "./lib.mjs";

const JOBS = 30;
const WARMUP = 2;
const PROMPT = "[[reply:The answer |is |42.]] What is the answer to everything?";

export async function run({ log }) {
  const api = await startFakeApi();
  const started = [];
  try {
    const off = { ANTHROPIC_BASE_URL: api.url, CLAUDEGATE_SANDBOX: "off" };
    const scripted = await Gateway.start("p11-capture", { ...off, CLAUDEGATE_CLAUDE_PATH: STAMP_CLI });
    started.push(scripted);
    const invocation = await captureInvocation(scripted);
    const gw = await Gateway.start("p11", { ...off, CLAUDEGATE_CLAUDE_PATH: REAL_CLI, CLAUDEGATE_WARM_PROCESSES: "1" });
    started.push(gw);
    const g = { first: [], total: [] };
    const d = { first: [], total: [] };
    const rss = [];
    for (let i = 0; i < WARMUP + JOBS; i++) {
      const warm = await settledWarm(gw);
      if (i >= WARMUP) rss.push(procStatusKiB(warm, "VmRSS"));
      const order = i % 2 === 0 ? ["g", "d"] : ["d", "g"];
      let gt, dt;
      for (const which of order) {
        if (which === "g") gt = await gatewayJob(gw);
        else dt = await directRun(invocation);
        if (which === "d") await settledWarm(gw); // the direct run's load must not be the warm CLI's start-up
      }
      if (i < WARMUP) continue;
      g.first.push(gt.first);
      g.total.push(gt.total);
      d.first.push(dt.first);
      d.total.push(dt.total);
    }
    const hits = /claudegate_warm_runs_total\{result="hit"\} (\d+)/.exec((await gw.request("GET", "/metrics")).text)?.[1];
    log(`warm hits ${hits} of ${WARMUP + JOBS} jobs`);
    return report(g, d, rss, Number(hits));
  } finally {
    for (const s of started) await s.stop();
    await api.close();
  }
}

/** The gateway's warm CLI, once its start-up is over (CPU time unchanged over 300 ms): its pid. */
async function settledWarm(gw, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = { pid: 0, cpu: -1 };
  for (;;) {
    const pid = warmPid(gw.pid);
    if (pid) {
      const cpu = safeCpu(pid);
      if (pid === last.pid && cpu === last.cpu) return pid;
      last = { pid, cpu };
    }
    if (Date.now() > deadline) throw new Error("P11: no settled warm CLI within 60 s");
    await sleep(300);
  }
}

const safeCpu = (pid) => {
  try {
    return cpuMs(pid);
  } catch {
    return -2;
  }
};

/** A child of the gateway whose run marker is a warm one. */
function warmPid(gatewayPid) {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== gatewayPid || fields[0] === "Z") continue;
      const env = readFileSync(`/proc/${name}/environ`, "latin1").split("\0");
      if (env.some((kv) => kv.startsWith("CG_JOB_ID=warm-"))) return Number(name);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/** Submit → first `chunk` event and → `result` event, in ms; then waits until its CLI is gone. */
async function gatewayJob(gw) {
  const t0 = performance.now();
  const job = await gw.submit({ prompt: PROMPT });
  const r = await new Promise((resolve, reject) => {
    let first;
    const req = http.get(`${gw.url}/api/v1/jobs/${job.job_id}/sse`, { headers: { "X-API-Key": API_KEY }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`sse ${res.statusCode}`));
      res.setEncoding("utf8");
      res.on(
        "data",
        sseSplitter((event, data) => {
          if (event === "chunk" && first === undefined) first = performance.now() - t0;
          if (event !== "result") return;
          const total = performance.now() - t0;
          res.destroy();
          resolve({ first, total, payload: JSON.parse(data) });
        }),
      );
    });
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error("P11: no result event within 60 s")));
  });
  if (r.payload.status !== "completed") throw new Error(`P11 job ${r.payload.status}: ${r.payload.error}`);
  while ((await gw.stats()).running_clis !== 0) await sleep(5);
  return r;
}

/** The cold CLI, the gateway's cold argv and env, prompt on stdin: spawn → first text delta, spawn → exit, in ms. */
async function directRun({ argv, env, systemPrompt }) {
  const cwd = mkdtempSync(join(tmpDir("p11"), "direct-"));
  try {
    argv = withOwnSystemPromptFile(argv, systemPrompt, cwd);
    const t0 = performance.now();
    const child = track(spawn(REAL_CLI, argv, { cwd, env, stdio: ["pipe", "pipe", "pipe"] }));
    let first;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      if (first === undefined && chunk.includes('"text_delta"')) first = performance.now() - t0;
    });
    child.stderr.resume();
    child.stdin.on("error", () => {});
    child.stdin.end(PROMPT);
    const code = await new Promise((r) => child.once("exit", r));
    if (code !== 0 || first === undefined) throw new Error(`P11: direct CLI exit ${code}`);
    return { first, total: performance.now() - t0 };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

function report(g, d, rss, hits) {
  const ratio50 = percentile(g.first, 50) / percentile(d.first, 50);
  const totalRatio = sum(g.total) / sum(d.total);
  const mib = percentile(rss, 50) / 1024;
  return {
    rows: [
      {
        id: "P11",
        scenario: `submit → first chunk, ${JOBS} sequential jobs, gateway with a warm CLI (p50 / p90)`,
        figure: `${fmt(percentile(g.first, 50), 0)} / ${fmt(percentile(g.first, 90), 0)} ms (${fmt(ratio50, 2)}× at p50)`,
        baseline: `direct cold CLI spawn → first delta: ${fmt(percentile(d.first, 50), 0)} / ${fmt(percentile(d.first, 90), 0)} ms`,
        target: "≤ 0.3× at p50",
        met: ratio50 <= 0.3,
      },
      {
        id: "P11",
        scenario: `P1 with warm processes: ${JOBS} sequential jobs, total time (submit → result)`,
        figure: `${fmt(sum(g.total) / 1000, 2)} s (${fmt(totalRatio, 2)}×)`,
        baseline: `direct CLI ×${JOBS} (spawn → exit): ${fmt(sum(d.total) / 1000, 2)} s`,
        target: "≤ 0.6×",
        met: totalRatio <= 0.6,
      },
      {
        id: "P11",
        scenario: "memory held by the idle pool (1 warm CLI, RSS p50)",
        figure: `${fmt(mib, 0)} MiB`,
        baseline: "—",
        target: "—",
        met: null,
      },
    ],
    notes: [`P11: ${hits} of ${JOBS + WARMUP} gateway jobs took a warm CLI (claudegate_warm_runs_total{result="hit"}).`],
  };
}
