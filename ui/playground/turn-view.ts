// One turn of a conversation: the prompt as the user's message, then the answer: its tool calls folded
// (tool-calls.ts), its text rendered as sanitised Markdown while it streams in, and,
// for a job with a `json_schema` (or JSON mode), the structured output as formatted JSON once it ends.
// A live turn follows its signed `urls.stream` with EventSource; a finished one reads the same events as JSON
// (`/events`), so opening a long session does not hold one stream per turn.
import { api, apiUrl } from "./api";
import { h, notice } from "./dom";
import { renderMarkdown } from "./markdown";
import { addToolResult, addToolUse, prettyJson } from "./tool-calls";
import type { Job } from "./types";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
/** The stream's events this view shows: every one the gateway sends but the ping. */
const EVENTS = ["status", "chunk", "tool_use", "tool_result", "result"] as const;

interface EventPage {
  events: { event: string; data: any }[];
  last_id: number;
  has_more: boolean;
}

export class TurnView {
  readonly el: HTMLElement;
  private readonly status = h("span", { class: "pill" });
  private readonly tools = h("div", { class: "tools" });
  private readonly answer = h("div", { class: "markdown" });
  private readonly structured = h("pre", { class: "structured", hidden: true });
  private readonly error = h("p", { class: "notice", role: "alert", hidden: true });
  private text = "";
  private frame = 0;
  private source?: EventSource;
  private ended = false;

  /** `onEnd` is called once, when the turn's result has arrived (live or replayed). */
  constructor(
    private readonly job: Job,
    private readonly onEnd: (job: Job) => void = () => {},
  ) {
    const tags = [job.fork && h("span", { class: "tag" }, "fork"), job.json_schema && h("span", { class: "tag" }, "JSON schema")];
    this.el = h(
      "article",
      { class: "turn", "data-job-id": job.job_id },
      h("div", { class: "bubble user" }, h("p", { class: "prompt" }, job.prompt)),
      h("div", { class: "bubble assistant" }, h("div", { class: "turn-head" }, this.status, ...tags), this.tools, this.answer, this.structured, this.error),
    );
    this.setStatus(job.status);
  }

  /** Shows the turn's events: replayed as JSON when the job has ended, else live from its stream. */
  async follow(): Promise<void> {
    if (TERMINAL.has(this.job.status)) return this.replay();
    const es = new EventSource(apiUrl(this.job.urls.stream));
    this.source = es;
    for (const name of EVENTS) es.addEventListener(name, (e) => this.apply(name, JSON.parse((e as MessageEvent).data)));
    es.onerror = () => {
      // EventSource reconnects by itself (Last-Event-ID: nothing lost or repeated) unless it gave up.
      if (es.readyState === EventSource.CLOSED && this.source === es) notice(this.error, "The stream was closed by the server. Open the session again to replay it.");
    };
  }

  close(): void {
    this.source?.close();
    this.source = undefined;
    cancelAnimationFrame(this.frame);
  }

  private async replay(): Promise<void> {
    const path = `/api/v1/jobs/${encodeURIComponent(this.job.job_id)}/events`;
    for (let after = 0; ; ) {
      const page = await api<EventPage>("GET", `${path}?after=${after}&limit=1000`);
      for (const e of page.events) this.apply(e.event, e.data);
      if (!page.has_more) return;
      after = page.last_id;
    }
  }

  private apply(name: string, data: any): void {
    if (name === "status") this.setStatus(data.status);
    else if (name === "chunk") {
      this.text += data.text;
      this.scheduleRender();
    } else if (name === "tool_use") addToolUse(this.tools, data);
    else if (name === "tool_result") addToolResult(this.tools, data);
    else if (name === "result") this.finish(data);
  }

  /** Markdown is parsed once per frame, however many chunks arrived in it. */
  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      renderMarkdown(this.answer, this.text);
    });
  }

  private finish(result: { status: string; result: string; error: string }): void {
    this.close();
    this.setStatus(result.status);
    // The result event is the authority (for a structured job it is the JSON, not the streamed text).
    this.text = result.result;
    const json = this.job.json_schema || this.job.response_format === "json" ? prettyJson(result.result) : undefined;
    this.structured.hidden = json === undefined;
    this.structured.textContent = json ?? "";
    this.answer.hidden = json !== undefined;
    if (json === undefined) renderMarkdown(this.answer, this.text);
    if (result.error) notice(this.error, result.error);
    if (!this.ended) {
      this.ended = true;
      this.onEnd(this.job);
    }
  }

  private setStatus(status: string): void {
    this.status.textContent = status;
    this.status.dataset.status = status;
    this.answer.classList.toggle("streaming", !TERMINAL.has(status));
  }
}
