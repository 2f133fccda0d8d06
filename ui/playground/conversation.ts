// The conversation view: a session's turns as a chat. Pick a session (GET /api/v1/sessions) or start a new
// one; every message is the session's next turn (`session_id`), or, after "Fork", the first turn of a new
// session branched from it (`fork: true`). A turn may ask for structured output with a JSON schema. The files
// panel shows the session's workspace, refreshed when a turn ends (the CLI may have written files).
import { api } from "./api";
import { byId, h, notice } from "./dom";
import { FilesPanel } from "./files";
import { TurnView } from "./turn-view";
import type { Job, Session, SessionSummary } from "./types";

const LISTED = 50;

export class ConversationView {
  private readonly picker = byId<HTMLSelectElement>("conv-session");
  private readonly origin = byId("conv-origin");
  private readonly turns = byId("conv-turns");
  private readonly form = byId<HTMLFormElement>("conv-form");
  private readonly prompt = byId<HTMLTextAreaElement>("conv-prompt");
  private readonly schema = byId<HTMLTextAreaElement>("conv-schema");
  private readonly send = byId<HTMLButtonElement>("conv-send");
  private readonly fork = byId<HTMLButtonElement>("conv-fork");
  private readonly remove = byId<HTMLButtonElement>("conv-delete");
  private readonly error = byId("conv-notice");
  private readonly files: FilesPanel;
  private sessionId = "";
  private views: TurnView[] = [];
  /** Bumped on every switch of session: a slow load of the previous one must not draw into this one. */
  private shown = 0;

  constructor(private readonly onAuthError: (err: unknown) => boolean) {
    this.files = new FilesPanel(onAuthError);
    this.picker.addEventListener("change", () => void this.open(this.picker.value));
    byId("conv-refresh").addEventListener("click", () => void this.refresh());
    this.fork.addEventListener("click", () => this.setForking(this.fork.getAttribute("aria-pressed") !== "true"));
    this.remove.addEventListener("click", () => void this.deleteSession());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submit();
    });
    this.form.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.submit();
      }
    });
    this.showSession("");
  }

  /** Reloads the list of sessions, keeping the one shown selected. */
  async refresh(): Promise<void> {
    try {
      const list = await api<{ sessions: SessionSummary[] }>("GET", `/api/v1/sessions?limit=${LISTED}`);
      const options = list.sessions.map((s) => h("option", { value: s.session_id }, sessionLabel(s)));
      this.picker.replaceChildren(h("option", { value: "" }, "New conversation"), ...options);
      if (this.sessionId && !list.sessions.some((s) => s.session_id === this.sessionId)) {
        this.picker.append(h("option", { value: this.sessionId }, `session ${this.sessionId.slice(0, 8)}`));
      }
      this.picker.value = this.sessionId;
    } catch (err) {
      this.fail(err);
    }
  }

  /** Shows session `id` with its turns ("" starts a new conversation). */
  async open(id: string): Promise<void> {
    const shown = this.showSession(id);
    if (!id) return;
    try {
      const session = await api<Session>("GET", `/api/v1/sessions/${encodeURIComponent(id)}`);
      const jobs = await Promise.all(session.turns.map((t) => api<Job>("GET", `/api/v1/jobs/${encodeURIComponent(t.job_id)}`)));
      if (shown !== this.shown) return;
      if (session.parent_session_id) this.showOrigin(session.parent_session_id);
      for (const job of jobs) this.addTurn(job);
    } catch (err) {
      if (shown === this.shown) this.fail(err);
    }
  }

  private showSession(id: string): number {
    for (const v of this.views) v.close();
    this.views = [];
    this.turns.replaceChildren();
    this.origin.replaceChildren();
    this.origin.hidden = true;
    this.sessionId = id;
    this.picker.value = id;
    this.fork.disabled = id === "";
    this.remove.disabled = id === "";
    this.setForking(false);
    notice(this.error, "");
    this.files.show(id);
    return ++this.shown;
  }

  private showOrigin(parentId: string): void {
    const parent = h("button", { type: "button", class: "link" }, `session ${parentId.slice(0, 8)}`);
    parent.addEventListener("click", () => void this.open(parentId));
    this.origin.replaceChildren("Forked from ", parent, ": this branch's turns follow.");
    this.origin.hidden = false;
  }

  private addTurn(job: Job): void {
    const view = new TurnView(job, () => void this.files.refresh());
    this.views.push(view);
    this.turns.append(view.el);
    view.follow().catch((err) => this.fail(err));
  }

  private setForking(on: boolean): void {
    this.fork.setAttribute("aria-pressed", String(on));
    this.send.textContent = on ? "Send as a fork" : "Send";
  }

  private async submit(): Promise<void> {
    const prompt = this.prompt.value;
    if (prompt.trim() === "") return notice(this.error, "Write a message first.");
    const body: Record<string, unknown> = { prompt };
    if (this.sessionId) body.session_id = this.sessionId;
    const forking = this.fork.getAttribute("aria-pressed") === "true";
    if (forking) body.fork = true;
    const schema = this.schema.value.trim();
    if (schema) {
      try {
        body.json_schema = JSON.parse(schema);
      } catch {
        return notice(this.error, 'The JSON schema must be JSON, e.g. {"type": "object"}.');
      }
    }
    notice(this.error, "");
    this.send.disabled = true;
    try {
      const job = await api<Job>("POST", "/api/v1/jobs", body);
      // A first turn or a fork makes a new session: show it (a fork's page starts with its first turn).
      if (job.session_id !== this.sessionId) {
        this.showSession(job.session_id);
        if (forking) this.showOrigin(body.session_id as string);
        void this.refresh();
      }
      this.prompt.value = "";
      this.addTurn(job);
    } catch (err) {
      this.fail(err);
    } finally {
      this.send.disabled = false;
    }
  }

  private async deleteSession(): Promise<void> {
    if (!this.sessionId || !confirm("Delete this session, its turns and its files?")) return;
    try {
      await api("DELETE", `/api/v1/sessions/${encodeURIComponent(this.sessionId)}`);
      this.showSession("");
      await this.refresh();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (!this.onAuthError(err)) notice(this.error, (err as Error).message);
  }
}

function sessionLabel(s: SessionSummary): string {
  const when = new Date(s.last_active_at).toLocaleString();
  return `${when} · ${s.session_id.slice(0, 8)}${s.parent_session_id ? " (fork)" : ""}`;
}
