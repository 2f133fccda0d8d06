// Moves jobs from the queue (the jobs table) into CLI runs, at most `concurrency` at once, and applies what
// each run reports: chunks go to the event log, the outcome to the store and the log together. A run's slot is
// freed only when its worker says `end`, i.e. when its CLI process group is gone, so the number of live CLI
// processes never exceeds the limit even while one lingers after its result. A run is closed once its job
// left `processing` for its attempt (finished, cancelled, deleted, requeued): what it says after that is dropped.
// A run that ends without an outcome (its worker says `end`, or its thread dies) fails its job as `run_lost`.
import type { Config } from "../config";
import type { Job } from "../job/job";
import type { EventLog } from "../events/event-log";
import type { ClaimLimits, Claimant, JobStore } from "../store/job-store";
import type { Finish } from "../job/run-outcome";
import { checkStructuredOutput } from "../job/structured-output";
import type { Webhooks } from "../webhooks/webhooks";
import { buildRunSpec } from "../cli/run-spec";
import { cliErrorDetail } from "../cli/stderr-detail";
import type { CliPool } from "./cli-pool";
import type { WarmPool } from "./warm-pool";
import type { WorkerMessage } from "./run-protocol";
import { newRun, track, writesSettled, type Run } from "./run";
import { storeOutcome } from "./store-outcome";
import type { QueuePause } from "./queue-pause";
import { jobFields, log } from "../log";
import * as observe from "../metrics/observe";
import type { RequeueReason } from "../metrics/labels";
import type { FileData, WorkspaceStore } from "../workspace/workspace-store";

/** The wait before claiming again after a claim failed. */
const CLAIM_RETRY_MS = 1000;

/** The longest text of a worker thread's error kept in a job's `error`. */
const MAX_WORKER_ERROR_CHARS = 200;

export class Dispatcher {
  private readonly running = new Map<string, Run>();
  private stopping = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  /** Claims are allowed: set by startClaiming(), once the server listens. */
  private working = false;
  /** A claim loop is running; `again` asks it for one more round when it ends. */
  private pumping = false;
  private again = false;

  constructor(
    private readonly config: Config,
    readonly store: JobStore,
    readonly events: EventLog,
    private readonly pool: CliPool,
    private readonly pause: QueuePause,
    readonly webhooks: Webhooks,
    /** What the next claim must respect: tenant keys at their max_running or out of budget. */
    private readonly limits: () => Promise<ClaimLimits> = async () => ({}),
    /** Session workspaces (absent: runs start with an empty workspace and nothing is kept). */
    private readonly workspaces?: WorkspaceStore,
    /** Warm CLI processes a job may take instead of starting cold (absent: always cold). */
    private readonly warm?: WarmPool,
    /** This instance, and the lease its claims take. */
    private readonly claimant: Claimant = { instance: "local", leaseMs: 60_000 },
  ) {}

  /**
   * Claims queued jobs while there is a free slot. Called on submit, on each run's end, at start-up and, with
   * several instances, when another one says there is work. One claim at a time; a call during a claim loop
   * asks it for one more round.
   */
  pump(): void {
    if (!this.working) return; // not before the server listens (startWork): a gateway that cannot listen claims nothing
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.claimWhileFree()
      .catch((err: unknown) => {
        // The database away, or a claim chosen as a deadlock's victim: try again shortly rather than wait for
        // the next submit or run end to ask.
        log("error", "could not claim a job", { error: String((err as Error)?.message ?? err) });
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.pump(), CLAIM_RETRY_MS);
        this.retryTimer.unref();
      })
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.pump();
        }
      });
  }

  private async claimWhileFree(): Promise<void> {
    do {
      this.again = false;
      if (this.pausedNow()) return;
      while (!this.stopping && this.running.size < this.config.concurrency) {
        const limits = await this.limits();
        const claimedAt = performance.now();
        const claimed = await this.store.claimNext(this.claimant, limits);
        if (!claimed) break;
        this.events.seed(claimed.job.id, claimed.lastSeq);
        this.start(claimed.job, claimedAt);
      }
    } while (this.again && !this.stopping);
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

  private start(job: Job, claimedAt: number): void {
    this.events.append(job.id, "status", { status: "processing", attempt: job.attempts });
    observe.jobStarted(job);
    log("info", "job started", { ...jobFields(job), attempt: job.attempts });
    const run = newRun(job, claimedAt);
    this.running.set(job.id, run); // the slot is taken from the claim on
    track(run, this.webhooks.jobStarted(this.store.sql, job));
    this.prepare(run).then(
      ({ files, transcript }) => this.launch(run, files, transcript),
      (err: unknown) => {
        log("error", "could not read a session's workspace", { ...jobFields(job), error: String((err as Error)?.message ?? err) });
        if (!run.closed) this.finish(run, { status: "failed", result: "", error: "could not read the session's workspace", errorCode: "spawn_failed" });
        this.end(run);
      },
    );
  }

  /** What the run starts from: the session's files and transcript (a fork's first turn: its parent's). */
  private async prepare(run: Run): Promise<{ files: FileData[]; transcript: Awaited<ReturnType<JobStore["sessions"]["forRun"]>> }> {
    const job = run.job;
    const transcript = await this.store.sessions.forRun(job.sessionId, job.fork);
    if (!this.workspaces) return { files: [], transcript };
    const source = job.fork ? ((await this.store.sessions.get(job.sessionId))?.parentId ?? job.sessionId) : job.sessionId;
    return { files: await this.workspaces.filesOf(source), transcript };
  }

  private launch(run: Run, files: FileData[], transcript: Awaited<ReturnType<JobStore["sessions"]["forRun"]>>): void {
    const job = run.job;
    // Cancelled, deleted or stopped while the workspace was read: nothing to run.
    if (run.closed) return this.end(run);
    const spec = buildRunSpec(job, this.config, transcript, files);
    const warm = this.warm?.take(spec);
    if (warm) log("info", "job runs on a warm CLI", jobFields(job));
    const { port, done } = warm ?? this.pool.run(spec);
    run.port = port;
    port.on("message", (m: WorkerMessage) => this.onMessage(run, m));
    done.catch((err: unknown) => {
      // The worker thread died without saying `end`. Messages it posted may still be in flight: let them land.
      setImmediate(() => {
        if (run.ended) return;
        // The thread's error is shown to the job's owner: its message only, capped, without local paths.
        const why = cliErrorDetail(String((err as Error)?.message ?? err), MAX_WORKER_ERROR_CHARS);
        this.lose(run, `the worker thread supervising the CLI died: ${why}`);
        this.end(run);
      });
    });
  }

  private onMessage(run: Run, m: WorkerMessage): void {
    if (m.t === "end") {
      if (m.lingeredMs !== undefined) observe.cliLingered(m.lingeredMs);
      return this.end(run);
    }
    if (m.t === "spawned") {
      run.pid = m.pid;
      log("debug", "CLI spawned", { ...jobFields(run.job), pid: m.pid });
      return;
    }
    if (m.t === "workspace") {
      // Stored unless the session was deleted meanwhile; its next turn is released only once this is done.
      const { sessionId, id } = run.job;
      const store = this.workspaces;
      if (store) {
        run.saving = this.store.sessions
          .get(sessionId)
          .then((session) => (session?.runningJob === id ? store.replace(sessionId, m.files) : undefined))
          .catch((err: unknown) =>
            log("error", "could not store a session's workspace", { ...jobFields(run.job), error: String((err as Error)?.message ?? err) }),
          );
      }
      return;
    }
    if (m.t === "transcript") {
      // Sent once the CLI is gone, so the file was whole; stored unless the session was deleted meanwhile.
      track(run, this.store.sessions.save(run.job.sessionId, run.job.id, { cliSessionId: m.cliSessionId, data: m.data }));
      return;
    }
    // Chunks already on their way when the job was cancelled (or finished) must not follow its result.
    if (run.closed) return;
    switch (m.t) {
      case "chunk":
        if (!run.chunked) {
          run.chunked = true;
          observe.firstChunk(run.job);
        }
        this.events.append(run.job.id, "chunk", { text: m.text });
        break;
      case "tool_use":
        run.toolCalls++;
        this.events.append(run.job.id, "tool_use", { name: m.name, tool_use_id: m.id, input: m.input });
        break;
      case "tool_result":
        this.events.append(run.job.id, "tool_result", { tool_use_id: m.id, output: m.output, is_error: m.isError });
        break;
      case "retry": {
        const retrying = { attempt: m.attempt, max_retries: m.maxRetries, delay_ms: m.delayMs, error_status: m.errorStatus };
        track(run, this.store.setRetrying(run.job.id, run.job.attempts, retrying));
        this.events.append(run.job.id, "status", { status: "processing", retrying });
        observe.cliRetried(run.job);
        log("info", "CLI retrying an API call", { ...jobFields(run.job), ...retrying });
        break;
      }
      case "outcome":
        if (m.finish.errorCode === "spawn_failed") log("error", "CLI could not be started", { ...jobFields(run.job), error: m.finish.error });
        this.finish(run, m.finish);
        break;
      case "interrupted":
        // We stopped this run ourselves (shutdown): it goes back to the queue with its attempt refunded, and
        // its subscribers learn why their stream is about to end.
        this.requeue(run, "shutdown", "server restarting");
        break;
      case "limited": {
        // The account, not the job, hit a limit: every queued job would fail the same way, so the job goes
        // back to the queue (its attempt refunded) and the queue waits until the limit resets.
        const until = m.limit.resetAt && m.limit.resetAt > Date.now() ? m.limit.resetAt : Date.now() + this.config.limitBackoffMs;
        track(run, this.pause.pause(until, m.limit.message, "usage_limit"));
        log("warn", "usage limit: queue paused", { ...jobFields(run.job), until: new Date(until).toISOString(), reason: m.limit.message });
        this.requeue(run, "usage_limit", `usage limit reached; queue paused until ${new Date(until).toISOString()}`);
        break;
      }
    }
  }

  private requeue(run: Run, why: RequeueReason, reason: string): void {
    run.closed = true;
    const requeued = (async () => {
      await this.events.settle(run.job.id); // its events are stored before another instance may claim it
      if (!(await this.store.requeueRun(run.job.id, run.job.attempts))) return;
      this.events.append(run.job.id, "status", { status: "queued", reason }, false);
      await this.events.settle(run.job.id);
      observe.jobsRequeued(why);
      log("info", "job requeued", { ...jobFields(run.job), reason: why });
    })();
    track(run, requeued);
  }

  private finish(run: Run, f: Finish): void {
    run.closed = true;
    // Nothing happens when the job was cancelled or deleted meanwhile: whoever did that has already ended its
    // streams and queued its webhook.
    const counted = run.toolCalls > 0 ? { ...f, stats: { ...f.stats, tool_calls: run.toolCalls } } : f;
    const checked = checkStructuredOutput(run.job, counted);
    track(run, storeOutcome(this, run, checked));
  }

  /** Fails a run that ended without an outcome, so its job never stays `processing` with nothing running. */
  private lose(run: Run, error: string): void {
    log("error", "run ended without an outcome", { ...jobFields(run.job), attempt: run.job.attempts, error });
    this.finish(run, { status: "failed", result: "", error, errorCode: "run_lost" });
  }

  private end(run: Run): void {
    if (run.ended) return;
    if (!run.closed) this.lose(run, "the CLI run ended without reporting an outcome");
    run.ended = true;
    run.port?.close();
    // Its CLI is gone; once its outcome, transcript and files are stored, the session's next turn may run.
    void writesSettled(run)
      .then(() => this.store.sessions.release(run.job.sessionId, run.job.id))
      .catch((err: unknown) => log("error", "could not release a session", { ...jobFields(run.job), error: String((err as Error)?.message ?? err) }))
      .finally(() => {
        this.running.delete(run.job.id);
        if (this.running.size === 0) for (const w of this.idleWaiters.splice(0)) w();
        this.pump();
      });
  }

  /** Asks the run of a job to stop; true when the job was running here. */
  cancel(jobId: string): boolean {
    const run = this.running.get(jobId);
    if (!run) return false;
    run.closed = true; // the job is already cancelled (or deleted): nothing more of this run is stored
    run.port?.postMessage({ t: "cancel" });
    return true;
  }

  /** Starts claiming (the server listens now). */
  startClaiming(): void {
    this.working = true;
    this.pump();
  }

  /** Whether the job's run is on this instance. */
  runsHere(jobId: string): boolean {
    return this.running.has(jobId);
  }

  runningCount(): number {
    return this.running.size;
  }

  /**
   * Renews the leases of this instance's runs. A run whose job no longer holds one (cancelled or deleted on
   * another instance, or reclaimed after this instance could not renew in time) is stopped: its job has moved on.
   */
  async renewLeases(): Promise<void> {
    const startedAt = performance.now();
    const held = new Set(await this.store.renewLeases(this.claimant, [...this.running.keys()]));
    for (const [jobId, run] of this.running) {
      if (held.has(jobId) || run.closed || run.claimedAt > startedAt) continue;
      log("warn", "run stopped: its job moved on elsewhere", { ...jobFields(run.job), attempt: run.job.attempts });
      this.cancel(jobId);
    }
  }

  /**
   * Stops claiming; gives running jobs `graceMs` to finish; then stops the rest (their jobs go back to the
   * queue, attempt refunded) and waits until no CLI is left.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopping = true;
    clearTimeout(this.wakeTimer);
    clearTimeout(this.retryTimer);
    if (this.running.size === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([idle, new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)))]);
    clearTimeout(grace);
    for (const run of this.running.values()) {
      if (run.port) run.port.postMessage({ t: "shutdown" });
      else this.requeue(run, "shutdown", "server restarting"); // still reading its workspace: it ends when that is done
    }
    await idle;
  }
}
