// Moves jobs from the queue (the jobs table) into CLI runs, at most `concurrency` at once, and applies what
// each run reports: chunks go to the event log, the outcome to the store and the log together. A run's slot is
// freed only when its worker says `end`, i.e. when its CLI process group is gone, so the number of live CLI
// processes never exceeds the limit even while one lingers after its result.
import type { MessagePort } from "node:worker_threads";
import type { Config } from "../config";
import type { Job } from "../job/job";
import type { EventLog } from "../events/event-log";
import type { Finish, JobStore } from "../store/job-store";
import { finishJob } from "../job/finish";
import type { Webhooks } from "../webhooks/webhooks";
import { buildRunSpec } from "../cli/run-spec";
import type { CliPool } from "./cli-pool";
import type { WorkerMessage } from "./run-protocol";
import type { QueuePause } from "./queue-pause";
import { log } from "../log";

interface Run {
  job: Job;
  port: MessagePort;
  pid?: number;
  ended: boolean;
}

export class Dispatcher {
  private readonly running = new Map<string, Run>();
  private stopping = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly config: Config,
    readonly store: JobStore,
    readonly events: EventLog,
    private readonly pool: CliPool,
    private readonly pause: QueuePause,
    readonly webhooks: Webhooks,
    /** Owners whose queued jobs must wait now (tenant keys at their max_running or out of budget). */
    private readonly held: () => readonly string[] = () => [],
  ) {}

  /** Claims queued jobs while there is a free slot. Called on submit, on each run's end, and at start-up. */
  pump(): void {
    if (this.pausedNow()) return;
    while (!this.stopping && this.running.size < this.config.concurrency) {
      const job = this.store.transaction(() => {
        const claimed = this.store.claimNext(Date.now(), this.held());
        if (claimed) this.webhooks.jobStarted(claimed);
        return claimed;
      });
      if (!job) return;
      this.start(job);
    }
  }

  /** True while the queue is paused; arranges to pump again when a timed pause runs out. */
  private pausedNow(): boolean {
    const p = this.pause.current();
    clearTimeout(this.wakeTimer);
    if (!p) return false;
    if (p.until !== null) {
      // setTimeout holds at most ~24.8 days; a longer pause is simply re-armed when the timer fires.
      this.wakeTimer = setTimeout(() => this.pump(), Math.min(p.until - Date.now() + 5, 2 ** 31 - 1));
      this.wakeTimer.unref();
    }
    return true;
  }

  private start(job: Job): void {
    this.events.append(job.id, "status", { status: "processing", attempt: job.attempts });
    const { port, done } = this.pool.run(buildRunSpec(job, this.config));
    const run: Run = { job, port, ended: false };
    this.running.set(job.id, run);
    port.on("message", (m: WorkerMessage) => this.onMessage(run, m));
    done.catch((err: Error) => {
      // The worker thread died. Messages it posted may still be in flight, so let them land first.
      setImmediate(() => {
        if (run.ended) return;
        this.finish(run, { status: "failed", result: "", error: `worker failed: ${err.message}`, errorCode: "cli_error" });
        this.end(run);
      });
    });
  }

  private onMessage(run: Run, m: WorkerMessage): void {
    switch (m.t) {
      case "spawned":
        run.pid = m.pid;
        break;
      case "chunk":
        this.events.append(run.job.id, "chunk", { text: m.text });
        break;
      case "tool":
        this.events.append(run.job.id, "tool", { name: m.name, tool_use_id: m.id });
        break;
      case "retry": {
        const retrying = { attempt: m.attempt, max_retries: m.maxRetries, delay_ms: m.delayMs, error_status: m.errorStatus };
        this.store.setRetrying(run.job.id, run.job.attempts, retrying);
        this.events.append(run.job.id, "status", { status: "processing", retrying });
        break;
      }
      case "outcome":
        this.finish(run, m.finish);
        break;
      case "interrupted":
        // We stopped this run ourselves (shutdown): it goes back to the queue with its attempt refunded, and
        // its subscribers learn why their stream is about to end.
        this.requeue(run, "server restarting");
        break;
      case "limited": {
        // The account, not the job, hit a limit: every queued job would fail the same way, so the job goes
        // back to the queue (its attempt refunded) and the queue waits until the limit resets.
        const until = m.limit.resetAt && m.limit.resetAt > Date.now() ? m.limit.resetAt : Date.now() + this.config.limitBackoffMs;
        const pause = this.pause.pause(until, m.limit.message, "usage_limit");
        log("warn", "usage limit: queue paused", { job_id: run.job.id, until: new Date(until).toISOString(), reason: pause.reason });
        this.requeue(run, `usage limit reached; queue paused until ${new Date(until).toISOString()}`);
        break;
      }
      case "end":
        this.end(run);
        break;
    }
  }

  private requeue(run: Run, reason: string): void {
    if (this.store.requeueRun(run.job.id, run.job.attempts)) {
      this.events.append(run.job.id, "status", { status: "queued", reason }, false);
    }
  }

  private finish(run: Run, f: Finish): void {
    // Nothing happens when the job was cancelled or deleted meanwhile: whoever did that has already ended its
    // streams and queued its webhook.
    finishJob(this, () => this.store.finish(run.job.id, run.job.attempts, f));
  }

  private end(run: Run): void {
    if (run.ended) return;
    run.ended = true;
    run.port.close();
    this.running.delete(run.job.id);
    if (this.running.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    this.pump();
  }

  /** Asks the run of a job to stop; true when the job was running here. */
  cancel(jobId: string): boolean {
    const run = this.running.get(jobId);
    if (!run) return false;
    run.port.postMessage({ t: "cancel" });
    return true;
  }

  runningCount(): number {
    return this.running.size;
  }

  /**
   * Stops claiming; gives running jobs `graceMs` to finish; then stops the rest (their jobs go back to the
   * queue, attempt refunded) and waits until no CLI is left.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopping = true;
    clearTimeout(this.wakeTimer);
    if (this.running.size === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([idle, new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)))]);
    clearTimeout(grace);
    for (const run of this.running.values()) run.port.postMessage({ t: "shutdown" });
    await idle;
  }
}
