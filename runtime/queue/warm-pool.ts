// Warm CLI processes (CLAUDEGATE_WARM_PROCESSES): each a Piscina task of its own (workers/warm-task.ts) holding one
// CLI started ahead of time and waiting for a prompt. They take threads of the pool, not run slots: while idle they
// do not count against CLAUDEGATE_CONCURRENCY; once taken, the job's run does, as any run. Kept warm: the
// configuration of the last job that could use one (at start, the default configuration). Each is used once and
// replaced. One that goes stale (printed or exited while waiting) is retired and replaced, later each time it keeps
// happening; a change of the operator's credentials file retires them all (they hold a copy lent when they started).
// A CLI that cannot wait at all (no credentials: it exits at once in stream-json input mode) would be restarted for
// ever: after a few processes in a row die within seconds of their start, warming pauses until the credentials or
// the configuration to keep warm change (jobs run cold meanwhile, as with warm processes off).
import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { MessagePort } from "node:worker_threads";
import { CREDENTIALS_FILE } from "../cli/run-credentials";
import { warmKey, warmTemplate } from "../cli/warm-key";
import { log } from "../log";
import * as observe from "../metrics/observe";
import type { CliPool } from "./cli-pool";
import type { RunSpec, WarmMessage } from "./run-protocol";

interface Warm {
  id: string;
  key: string;
  port: MessagePort;
  done: Promise<void>;
  startedAt: number;
}

const MAX_BACKOFF_MS = 60_000;
/** A warm process that dies this soon after its start could not wait at all. */
const QUICK_DEATH_MS = 5_000;
/** Quick deaths in a row after which warming pauses. */
const PAUSE_AFTER_QUICK_DEATHS = 3;

export class WarmPool {
  private idle: Warm[] = [];
  private target: RunSpec | undefined;
  private targetKey: string | undefined;
  private credentials = "";
  private failures = 0;
  private quickDeaths = 0;
  /** Warming paused after quick deaths: the credentials stamp then; it resumes when they change. */
  private pausedAt: string | undefined;
  private refillTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly pool: CliPool,
    /** This database's warm marker prefix (runtime/cli/warm-key.ts warmMarkerPrefix). */
    private readonly markerPrefix: string,
  ) {}

  get enabled(): boolean {
    return this.size > 0 && !this.closed;
  }

  /** Keeps processes warm for `spec`'s configuration (the default one at start, then the last eligible job's). */
  keepWarmFor(spec: RunSpec): void {
    const key = warmKey(spec);
    if (!this.enabled || key === undefined || key === this.targetKey) return;
    this.target = spec;
    this.targetKey = key;
    this.resume(); // another configuration may well start
    for (const w of this.idle.filter((w) => w.key !== key)) this.retire(w);
    this.refill();
  }

  /** A warm process for the job's spec: the task's port and completion, as CliPool.run's; undefined: run cold. */
  take(spec: RunSpec): { port: MessagePort; done: Promise<void> } | undefined {
    if (!this.enabled) return undefined;
    if (this.pausedAt !== undefined && this.target && credentialsStamp(this.target.operatorConfigDir) !== this.pausedAt) {
      log("info", "CLI credentials changed: warming CLI processes again");
      this.resume();
      this.refill();
    }
    // Retired for new credentials: this job starts cold (a process started now would not start sooner).
    if (this.retiredForCredentials()) {
      observe.warmRun(false);
      this.refill();
      return undefined;
    }
    const key = warmKey(spec);
    const w = key === undefined ? undefined : this.idle.find((w) => w.key === key);
    observe.warmRun(w !== undefined);
    if (!w) {
      if (key !== undefined) this.keepWarmFor(spec);
      return undefined;
    }
    this.idle.splice(this.idle.indexOf(w), 1);
    w.port.removeAllListeners("message");
    w.port.postMessage({ t: "take", spec });
    this.failures = 0;
    this.quickDeaths = 0;
    log("debug", "warm CLI taken", { job_id: spec.jobId, warm_id: w.id });
    this.refill();
    return { port: w.port, done: w.done };
  }

  /** Ends the idle processes and waits for them; none is started after this. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    const dones = this.idle.map((w) => w.done.catch(() => {}));
    for (const w of [...this.idle]) this.retire(w);
    await Promise.all(dones);
  }

  private resume(): void {
    this.pausedAt = undefined;
    this.quickDeaths = 0;
    this.failures = 0;
  }

  /** A warm process died or went stale: counted, and warming paused after a run of quick deaths. */
  private failed(w: Warm): void {
    this.failures++;
    this.quickDeaths = Date.now() - w.startedAt < QUICK_DEATH_MS ? this.quickDeaths + 1 : 0;
    if (this.quickDeaths >= PAUSE_AFTER_QUICK_DEATHS && this.pausedAt === undefined && this.target) {
      this.pausedAt = credentialsStamp(this.target.operatorConfigDir);
      log("warn", "warm CLI processes exit as soon as they start (no credentials?); jobs run cold until the credentials change");
    }
  }

  private refill(): void {
    clearTimeout(this.refillTimer);
    if (!this.enabled || !this.target || this.pausedAt !== undefined) return;
    const delay = this.failures === 0 ? 0 : Math.min(250 * 2 ** this.failures, MAX_BACKOFF_MS);
    const start = () => {
      while (this.enabled && this.target && this.idle.length < this.size) this.start(this.target, this.targetKey!);
    };
    if (delay === 0) return start();
    this.refillTimer = setTimeout(start, delay);
    this.refillTimer.unref();
  }

  private start(spec: RunSpec, key: string): void {
    if (this.idle.length === 0) this.credentials = credentialsStamp(spec.operatorConfigDir);
    const id = this.markerPrefix + randomUUID();
    const { port, done } = this.pool.warm(warmTemplate(spec, id));
    const w: Warm = { id, key, port, done, startedAt: Date.now() };
    this.idle.push(w);
    port.on("message", (m: WarmMessage) => {
      if (m.t === "warm_ready") log("debug", "warm CLI ready", { warm_id: id, pid: m.pid });
      if (m.t !== "warm_stale" || !this.idle.includes(w)) return;
      log("warn", "warm CLI went stale; replacing it", { warm_id: id, why: m.why });
      this.failed(w);
      this.retire(w);
      this.refill();
    });
    // The thread died while the process waited: forget it and start another.
    done.catch(() => {
      if (!this.idle.includes(w)) return;
      this.idle.splice(this.idle.indexOf(w), 1);
      this.failed(w);
      this.refill();
    });
  }

  private retire(w: Warm): void {
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    w.port.removeAllListeners("message");
    w.port.postMessage({ t: "retire" }); // the task ends its CLI and closes the port
  }

  /** Retires the idle processes if the operator's credentials file changed since they started (they hold the old copy). */
  private retiredForCredentials(): boolean {
    if (!this.target || this.idle.length === 0) return false;
    if (credentialsStamp(this.target.operatorConfigDir) === this.credentials) return false;
    log("info", "CLI credentials changed: retiring warm CLI processes");
    for (const w of [...this.idle]) this.retire(w);
    return true;
  }
}

function credentialsStamp(dir: string): string {
  try {
    const s = statSync(join(dir, CREDENTIALS_FILE));
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return "none";
  }
}
