// Shared helpers of `npm run bench`: the processes and temporary files it starts (so every one can be ended
// and removed, by pid, whatever happens), the built gateway as a child process, HTTP and SSE over node:http,
// RSS from /proc, and statistics.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BENCH_DIR = import.meta.dirname;
export const SERVER_ENTRY = join(ROOT, ".output/server/index.mjs");
export const REAL_CLI = join(ROOT, "node_modules/@anthropic-ai/claude-code/bin/claude.exe");
export const STAMP_CLI = join(BENCH_DIR, "stamp-cli.mjs");
export const API_KEY = "bench-key-0123456789";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// Everything started here, so that cleanup() can end it by pid and remove it.

const children = new Set();
let benchTmp;

/** The bench's one temporary root (under the OS temp dir); every scratch file lives below it. */
export function tmpRoot() {
  benchTmp ??= mkdtempSync(join(tmpdir(), "claudegate-bench-"));
  return benchTmp;
}

export function tmpDir(name) {
  const dir = join(tmpRoot(), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Spawns a process and remembers it; it is forgotten once it has exited. */
export function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function alive(child) {
  return child.exitCode === null && child.signalCode === null;
}

/** Ends one child by its pid: `signal`, then SIGKILL after `graceMs`. */
export async function endChild(child, signal = "SIGTERM", graceMs = 10_000) {
  if (!alive(child)) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(child.pid, signal);
  } catch {
    /* already gone */
  }
  const t = setTimeout(() => {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, graceMs);
  await exited;
  clearTimeout(t);
}

/** Ends every process this bench started and removes its temporary root. */
export async function cleanup() {
  await Promise.all([...children].map((c) => endChild(c)));
  if (benchTmp) rmSync(benchTmp, { recursive: true, force: true });
  benchTmp = undefined;
}

/** A child Node process running one of the bench's helper scripts, with an IPC channel. */
export function forkNode(script, args = [], opts = {}) {
  const child = track(
    spawn(process.execPath, [...(opts.nodeArgs ?? []), join(BENCH_DIR, script), ...args], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, ...opts.env },
    }),
  );
  child.output = "";
  child.stdout.on("data", (d) => (child.output += d));
  child.stderr.on("data", (d) => (child.output += d));
  return child;
}

/** Next IPC message of `child` that `match` accepts. */
export function nextMessage(child, match = () => true, timeoutMs = 120_000) {
  return new Promise((res, rej) => {
    const onMsg = (m) => {
      if (!match(m)) return;
      done();
      res(m);
    };
    const onExit = (code) => {
      done();
      rej(new Error(`helper exited (${code}) before answering:\n${child.output}`));
    };
    const t = setTimeout(() => {
      done();
      rej(new Error(`helper gave no answer in ${timeoutMs} ms:\n${child.output}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(t);
      child.off("message", onMsg);
      child.off("exit", onExit);
    };
    child.on("message", onMsg);
    child.once("exit", onExit);
  });
}

// ---------------------------------------------------------------------------------------------------------
// The gateway under test.

export function buildServer() {
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules/nitropack/dist/cli/index.mjs"), "build"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`nitro build failed:\n${r.stdout}\n${r.stderr}`);
}

export class Gateway {
  constructor(child, dataDir) {
    this.child = child;
    this.dataDir = dataDir;
    this.url = "";
    this.output = "";
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    child.stdout.on("data", (d) => (this.output = (this.output + d).slice(-100_000)));
    child.stderr.on("data", (d) => (this.output = (this.output + d).slice(-100_000)));
  }

  get pid() {
    return this.child.pid;
  }

  /**
   * Starts the built server with its own data dir. `env` adds to (or overrides) the defaults below.
   * `nodeArgs` e.g. ["--cpu-prof", "--cpu-prof-dir=..."].
   */
  static async start(name, env = {}, nodeArgs = []) {
    const dataDir = tmpDir(`gw-${name}`);
    const profDir = process.env.BENCH_CPU_PROF;
    const args = [...nodeArgs];
    if (profDir && !args.includes("--cpu-prof")) args.push("--cpu-prof", `--cpu-prof-dir=${resolve(profDir)}`, `--cpu-prof-name=gateway-${name}.cpuprofile`);
    const child = track(
      spawn(process.execPath, [...args, SERVER_ENTRY], {
        cwd: dataDir,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          PATH: process.env.PATH ?? "",
          HOME: tmpDir("home"),
          TMPDIR: tmpDir("tmp"), // the gateway's per-job working directories land here, inside the bench's root
          CLAUDEGATE_LISTEN_ADDR: "127.0.0.1:0",
          CLAUDEGATE_DB_PATH: join(dataDir, "claudegate.db"),
          CLAUDEGATE_API_KEYS: API_KEY,
          CLAUDEGATE_CLAUDE_PATH: STAMP_CLI,
          ANTHROPIC_API_KEY: "sk-bench",
          // Scenarios measure cold runs unless they turn warm CLI processes on (P11).
          CLAUDEGATE_WARM_PROCESSES: "0",
          ...env,
        },
      }),
    );
    const gw = new Gateway(child, dataDir);
    await new Promise((res, rej) => {
      const check = () => {
        const m = /"msg":"claudegate listening".*?"url":"([^"]+)"/.exec(gw.output);
        if (m) {
          gw.url = m[1];
          child.stdout.off("data", check);
          child.off("exit", onExit);
          res();
        }
      };
      const onExit = () => rej(new Error(`gateway exited before listening:\n${gw.output}`));
      child.stdout.on("data", check);
      child.once("exit", onExit);
    });
    return gw;
  }

  request(method, path, body, headers = {}) {
    return request(this.url + path, { method, body, agent: this.agent, headers: { "X-API-Key": API_KEY, ...headers } });
  }

  async submit(body) {
    const r = await this.request("POST", "/api/v1/jobs", body);
    if (r.status !== 202) throw new Error(`submit failed: ${r.status} ${r.text}`);
    return JSON.parse(r.text);
  }

  /** Polls a job until `until(job)` holds; throws after `timeoutMs`. */
  async waitJob(id, until, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.request("GET", `/api/v1/jobs/${id}`);
      const job = JSON.parse(r.text);
      if (r.status === 200 && until(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} never got there; last: ${r.status} ${r.text.slice(0, 300)}`);
      await sleep(20);
    }
  }

  async stats() {
    return JSON.parse((await this.request("GET", "/api/v1/stats")).text);
  }

  /** VmRSS of the gateway process, in MiB. */
  rssMiB() {
    return procStatusKiB(this.pid, "VmRSS") / 1024;
  }

  hwmMiB() {
    return procStatusKiB(this.pid, "VmHWM") / 1024;
  }

  /**
   * Stops the queue from starting jobs. Uses `POST /api/v1/queue/pause` when the gateway has it; otherwise
   * (older builds) occupies the only CLI slot (CLAUDEGATE_CONCURRENCY=1, the default) with a job whose
   * scripted CLI hangs, so every later job waits in the queue. Returns how it paused.
   */
  async pauseQueue() {
    const r = await this.request("POST", "/api/v1/queue/pause");
    if (r.status >= 200 && r.status < 300) return "POST /api/v1/queue/pause";
    const job = await this.submit({ prompt: "[[hang]] occupy the only CLI slot" });
    await this.waitJob(job.job_id, (j) => j.status === "processing", 10_000);
    return `no pause endpoint (HTTP ${r.status}): one hung CLI holds the only slot`;
  }

  async stop() {
    this.agent.destroy();
    await endChild(this.child, "SIGTERM", 30_000);
  }
}

// ---------------------------------------------------------------------------------------------------------
// HTTP.

/** One request; resolves with status, headers and the body as text. */
export function request(url, { method = "GET", body, headers = {}, agent } = {}) {
  return new Promise((res, rej) => {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const req = http.request(url, {
      method,
      agent,
      headers: { ...(payload !== undefined ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } : {}), ...headers },
    });
    req.on("error", rej);
    req.on("response", (r) => {
      let text = "";
      r.setEncoding("utf8");
      r.on("data", (d) => (text += d));
      r.on("end", () => res({ status: r.statusCode, headers: r.headers, text }));
      r.on("error", rej);
    });
    req.end(payload);
  });
}

/**
 * A minimal SSE frame splitter: feed it text, it calls onFrame(event, data, id) per complete frame and
 * onComment(text) per comment line. Enough for the gateway's frames (single `data:` line each).
 */
export function sseSplitter(onFrame, onComment = () => {}) {
  let buf = "";
  return (text) => {
    buf += text;
    let end;
    while ((end = buf.indexOf("\n\n")) !== -1) {
      const frame = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = "message";
      let data = "";
      let id;
      for (const line of frame.split("\n")) {
        if (line.startsWith(":")) onComment(line);
        else if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data = line.slice(6);
        else if (line.startsWith("id: ")) id = line.slice(4);
      }
      if (data || event !== "message") onFrame(event, data, id);
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// Measurements.

/** CPU time (user + system, all threads) a process has used so far, in ms (10 ms resolution). */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks (USER_HZ = 100)
}

export function procStatusKiB(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

/** Percentile (nearest rank) of an array of numbers; `p` in 0..100. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const sum = (values) => values.reduce((a, b) => a + b, 0);

export function ensureExecutable(file) {
  chmodSync(file, 0o755);
}

/** Formats a number with `digits` decimals and thousands separators. */
export function fmt(n, digits = 0) {
  if (!Number.isFinite(n)) return "n/a";
  const s = n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  // A small negative (e.g. a median off by clock resolution) rounds to zero: print no sign.
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

/**
 * Starts a gateway with the V8 CPU profiler on, runs `work(gw)`, stops it, and returns the frames with the most
 * self time as shares of the busy (non-idle) time: [{ name, share }].
 */
export async function profiledGateway(name, env, work, top = 6) {
  const dir = tmpDir(`prof-${name}`);
  const gw = await Gateway.start(name, env, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
  try {
    await work(gw);
  } finally {
    await gw.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) return [];
  return topFrames(JSON.parse(readFileSync(join(dir, file), "utf8")), top);
}

/** Self time per function of a .cpuprofile, as shares of the non-idle time, largest first. */
export function topFrames(profile, top) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const cf = nodes.get(id).callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    if (cf.functionName === "(idle)") return;
    busy += dt;
    const where = cf.url ? ` (${cf.url.split("/").slice(-2).join("/")})` : "";
    const key = `${cf.functionName || "(anonymous)"}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, t]) => ({ name, share: t / busy }));
}

/**
 * A captured gateway argv for a direct CLI run in `cwd`: the gateway's system prompt file went away with its run's
 * folder, so the direct run gets its own copy of `systemPrompt` there.
 */
export function withOwnSystemPromptFile(argv, systemPrompt, cwd) {
  const sp = argv.indexOf("--system-prompt-file");
  if (sp < 0) return argv;
  const copy = argv.slice();
  copy[sp + 1] = join(cwd, "system-prompt.txt");
  writeFileSync(copy[sp + 1], systemPrompt, { mode: 0o600 });
  return copy;
}
