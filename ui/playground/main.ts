// The playground: wires the key field, the submit form, the answer panel and the history together.
import "./style.css";
import { api, isAuthError } from "./api";
import { ConversationView } from "./conversation";
import { byId, notice } from "./dom";
import { onSubmit, readForm } from "./form";
import { refreshHealth } from "./health";
import { History } from "./history";
import { getKey, setKey } from "./key";
import { KeysView } from "./keys";
import { UsageView } from "./usage";
import { RunView } from "./run-view";
import { StatusView } from "./status";
import type { Job } from "./types";

const keyInput = byId<HTMLInputElement>("api-key");
const keyNotice = byId("key-notice");
const formNotice = byId("form-notice");
const submitButton = byId<HTMLButtonElement>("submit");

/** A refused key is shown next to the key field, where it can be fixed; returns whether `err` was one. */
function showAuthError(err: unknown): boolean {
  if (!isAuthError(err)) return false;
  notice(keyNotice, (err as Error).message);
  keyInput.setAttribute("aria-invalid", "true");
  return true;
}

const history = new History((job) => void open(job), showAuthError);
const usage = new UsageView(showAuthError);
const keys = new KeysView();
const conversation = new ConversationView(showAuthError);
const status = new StatusView(showAuthError);
const run = new RunView(() => (void history.refresh(), void usage.refresh()));

/** Everything that depends on the key. */
function refreshAll(): void {
  void history.refresh();
  void usage.refresh();
  void keys.refresh();
  void conversation.refresh();
  void status.refresh();
}

/** Replays a job from the history: a fresh job object carries a fresh stream token. */
async function open(job: Job): Promise<void> {
  try {
    run.watch(await api<Job>("GET", job.urls.get));
  } catch (err) {
    if (!showAuthError(err)) notice(formNotice, (err as Error).message);
  }
}

async function submit(): Promise<void> {
  const form = readForm();
  if ("problem" in form) return notice(formNotice, form.problem);
  notice(formNotice, "");
  submitButton.disabled = true;
  try {
    const startedAt = Date.now();
    const job = await api<Job>("POST", "/api/v1/jobs", form.body);
    run.watch(job, startedAt);
    void history.refresh();
  } catch (err) {
    if (!showAuthError(err)) notice(formNotice, (err as Error).message);
  } finally {
    submitButton.disabled = false;
  }
}

function saveKey(): void {
  setKey(keyInput.value.trim());
  keyInput.removeAttribute("aria-invalid");
  notice(keyNotice, getKey() ? "Key saved in this browser." : "Key removed.", "info");
  refreshAll();
}

keyInput.value = getKey();
byId("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  saveKey();
});
onSubmit(() => void submit());
byId("shortcut").textContent = /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘ Enter" : "Ctrl Enter";

void refreshHealth();
setInterval(() => void refreshHealth(), 30_000);
// The Status panel follows the queue while it shows (an operator's key: it reads /api/v1/stats/timeline).
setInterval(() => void (getKey() && status.shown && status.refresh()), 15_000);
if (getKey()) refreshAll();
else notice(keyNotice, "Enter an API key to submit jobs and see the history.", "info");
