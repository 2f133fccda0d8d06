// The few DOM helpers the page needs. Text always goes in as text nodes: job data (prompts, answers, errors)
// is never parsed as HTML.

/** The element with this id; a missing one is a bug in index.html, so it throws. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
}

type Child = Node | string | null | undefined | false;

/** `h("td", { class: "x" }, "text", otherNode)` */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) el.setAttribute(k, "");
    else if (typeof v === "string") el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Shows `message` in a notice element (role="alert" for errors), or hides it when empty. */
export function notice(el: HTMLElement, message: string, kind: "error" | "info" = "error"): void {
  el.textContent = message;
  el.hidden = message === "";
  el.dataset.kind = kind;
}

export function formatSeconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1000)} s`;
}
