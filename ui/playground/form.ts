// The submit form: reads the fields into a POST /api/v1/jobs body, checks what the browser can check
// (metadata must be JSON), and submits on the button or Ctrl/Cmd+Enter.
import { byId } from "./dom";

export interface SubmitBody {
  prompt: string;
  model?: string;
  system_prompt?: string;
  response_format?: "json";
  timeout_seconds?: number;
  metadata?: unknown;
}

/** The body, or a message naming the field that is wrong. */
export function readForm(): { body: SubmitBody } | { problem: string } {
  const prompt = byId<HTMLTextAreaElement>("prompt").value;
  if (prompt.trim() === "") return { problem: "Write a prompt first." };
  const body: SubmitBody = { prompt };
  const model = byId<HTMLSelectElement>("model").value;
  if (model) body.model = model;
  const system = byId<HTMLTextAreaElement>("system-prompt").value;
  if (system.trim()) body.system_prompt = system;
  if (byId<HTMLInputElement>("json-mode").checked) body.response_format = "json";
  const timeout = byId<HTMLInputElement>("timeout").value.trim();
  if (timeout) {
    const n = Number(timeout);
    if (!Number.isInteger(n) || n < 1) return { problem: "Timeout must be a whole number of seconds, 1 or more." };
    body.timeout_seconds = n;
  }
  const metadata = byId<HTMLTextAreaElement>("metadata").value.trim();
  if (metadata) {
    try {
      body.metadata = JSON.parse(metadata);
    } catch {
      return { problem: 'Metadata must be JSON, e.g. {"ticket": 42}.' };
    }
  }
  return { body };
}

/** Calls `submit` on the form's submit and on Ctrl+Enter / Cmd+Enter anywhere in the form. */
export function onSubmit(submit: () => void): void {
  const form = byId<HTMLFormElement>("submit-form");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  form.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  });
}
