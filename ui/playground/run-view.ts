// The answer panel: one job at a time, its text arriving token by token through EventSource on the job's
// signed `urls.stream` (EventSource cannot send the key; the token stands in for it), its tool calls folded
// (tool-calls.ts), with its status and an elapsed timer, then the CLI's usage, cost and duration once it ends.
import { api, apiUrl } from "./api";
import { byId, formatSeconds, notice } from "./dom";
import { addToolResult, addToolUse } from "./tool-calls";
import type { Job } from "./types";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

export class RunView {
  private readonly answer = byId("answer");
  private readonly tools = byId("run-tools");
  private readonly status = byId("run-status");
  private readonly jobLabel = byId("run-job");
  private readonly elapsed = byId("run-elapsed");
  private readonly stats = byId("run-stats");
  private readonly error = byId("run-error");
  private source?: EventSource;
  private ticker?: ReturnType<typeof setInterval>;
  private current?: string;

  /** Called with the job id when its status changes and when its stream ends (the history refreshes then). */
  constructor(private readonly onChange: (jobId: string) => void) {}

  /** Shows `job` and follows its stream; a job that has ended replays its whole history. */
  watch(job: Job, startedAt = Date.parse(job.created_at)): void {
    this.close();
    this.current = job.job_id;
    byId("run").hidden = false;
    this.answer.textContent = "";
    this.tools.replaceChildren();
    this.stats.textContent = "";
    notice(this.error, "");
    this.jobLabel.textContent = job.job_id;
    this.elapsed.textContent = "";
    this.ticker = setInterval(() => (this.elapsed.textContent = formatSeconds(Math.max(0, Date.now() - startedAt))), 100);
    this.setStatus(job.status);

    const es = new EventSource(apiUrl(job.urls.stream));
    this.source = es;
    es.addEventListener("status", (e) => {
      this.setStatus(JSON.parse(e.data).status);
      this.onChange(job.job_id);
    });
    es.addEventListener("chunk", (e) => this.answer.append(JSON.parse(e.data).text));
    es.addEventListener("tool_use", (e) => addToolUse(this.tools, JSON.parse(e.data)));
    es.addEventListener("tool_result", (e) => addToolResult(this.tools, JSON.parse(e.data)));
    es.addEventListener("result", (e) => void this.finish(job.job_id, JSON.parse(e.data)));
    es.onerror = () => {
      // EventSource reconnects by itself (with Last-Event-ID, so nothing is lost or repeated) unless it gave up.
      if (es.readyState === EventSource.CLOSED && this.source === es) {
        notice(this.error, "The stream was closed by the server. Open the job from the history to replay it.");
        this.stopTicker();
      }
    };
  }

  private async finish(jobId: string, result: { status: string; result: string; error: string }): Promise<void> {
    this.close();
    this.setStatus(result.status);
    // The chunks joined are the result; the result event is the authority (a replay or a reconnect may differ).
    this.answer.textContent = result.result;
    if (result.error) notice(this.error, result.error);
    try {
      const job = await api<Job>("GET", `/api/v1/jobs/${encodeURIComponent(jobId)}`);
      if (this.current === jobId) this.showFigures(job);
    } catch {
      /* the job may have been deleted meanwhile: the text is all there is */
    }
    this.onChange(jobId);
  }

  private showFigures(job: Job): void {
    if (job.completed_at) this.elapsed.textContent = formatSeconds(Date.parse(job.completed_at) - Date.parse(job.created_at));
    const parts: string[] = [];
    const usage = job.usage as { input_tokens?: number; output_tokens?: number } | undefined;
    if (usage?.input_tokens !== undefined) parts.push(`${usage.input_tokens} in / ${usage.output_tokens ?? 0} out tokens`);
    if (job.cost_usd !== undefined) parts.push(`$${job.cost_usd.toFixed(5)}`);
    if (job.duration_ms !== undefined) parts.push(`CLI ${formatSeconds(job.duration_ms)}`);
    if (job.num_turns !== undefined) parts.push(`${job.num_turns} turn${job.num_turns === 1 ? "" : "s"}`);
    this.stats.textContent = parts.join(" · ");
  }

  private setStatus(status: string): void {
    this.status.textContent = status;
    this.status.dataset.status = status;
    this.answer.classList.toggle("streaming", !TERMINAL.has(status));
    if (TERMINAL.has(status)) this.stopTicker();
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  close(): void {
    this.source?.close();
    this.source = undefined;
  }
}
