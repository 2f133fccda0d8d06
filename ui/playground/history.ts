// The job history: a page of jobs (newest first) with a status filter, and per job "open" (replays its
// stream in the answer panel), cancel (while it can still be cancelled) and delete.
import { api } from "./api";
import { byId, h, notice } from "./dom";
import type { Job, JobList } from "./types";

const PAGE = 10;

export class History {
  private readonly body = byId<HTMLTableSectionElement>("history-rows");
  private readonly filter = byId<HTMLSelectElement>("history-status");
  private readonly range = byId("history-range");
  private readonly prev = byId<HTMLButtonElement>("history-prev");
  private readonly next = byId<HTMLButtonElement>("history-next");
  private readonly error = byId("history-error");
  private offset = 0;
  private total = 0;
  private loading?: Promise<void>;
  private again = false;

  constructor(
    private readonly onOpen: (job: Job) => void,
    private readonly onAuthError: (err: unknown) => boolean,
  ) {
    this.filter.addEventListener("change", () => ((this.offset = 0), void this.refresh()));
    this.prev.addEventListener("click", () => ((this.offset = Math.max(0, this.offset - PAGE)), void this.refresh()));
    this.next.addEventListener("click", () => ((this.offset += PAGE), void this.refresh()));
    byId("history-refresh").addEventListener("click", () => void this.refresh());
  }

  /** Reloads the current page. Calls made while one is loading coalesce into one more load. */
  refresh(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load().finally(() => {
      this.loading = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(this.offset) });
    if (this.filter.value) q.set("status", this.filter.value);
    try {
      const page = await api<JobList>("GET", `/api/v1/jobs?${q}`);
      notice(this.error, "");
      this.total = page.total;
      this.render(page.jobs);
    } catch (err) {
      if (!this.onAuthError(err)) notice(this.error, (err as Error).message);
      this.total = 0;
      this.render([]);
    }
  }

  private render(jobs: Job[]): void {
    this.body.replaceChildren(
      ...(jobs.length ? jobs.map((job) => this.row(job)) : [h("tr", {}, h("td", { colspan: "5", class: "empty" }, "No jobs yet."))]),
    );
    const last = Math.min(this.offset + jobs.length, this.total);
    this.range.textContent = this.total ? `${this.offset + 1}–${last} of ${this.total}` : "";
    this.prev.disabled = this.offset === 0;
    this.next.disabled = last >= this.total;
  }

  private row(job: Job): HTMLTableRowElement {
    const open = h("button", { type: "button", class: "link" }, "Open");
    open.addEventListener("click", () => this.onOpen(job));
    const actions = h("td", { class: "actions" }, open);
    if (job.status === "queued" || job.status === "processing") {
      actions.append(this.action("Cancel", () => api("POST", `/api/v1/jobs/${encodeURIComponent(job.job_id)}/cancel`)));
    }
    actions.append(this.action("Delete", () => api("DELETE", `/api/v1/jobs/${encodeURIComponent(job.job_id)}`), "danger"));
    const created = new Date(job.created_at);
    return h(
      "tr",
      { "data-job-id": job.job_id },
      h("td", { class: "when", title: job.created_at }, created.toLocaleTimeString()),
      h("td", {}, h("span", { class: "pill", "data-status": job.status }, job.status)),
      h("td", { class: "model" }, job.model),
      h("td", { class: "prompt", title: job.prompt }, job.prompt),
      actions,
    );
  }

  private action(label: string, run: () => Promise<unknown>, kind = ""): HTMLButtonElement {
    const button = h("button", { type: "button", class: `link ${kind}` }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await run();
      } catch (err) {
        if (!this.onAuthError(err)) notice(this.error, (err as Error).message);
      }
      await this.refresh();
    });
    return button;
  }
}
