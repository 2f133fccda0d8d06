// The operator's Status panel: queue depth, running CLIs against concurrency, and the pause now, with the last
// hour per minute as small bar charts (queue depth, running, completed, failed + cancelled), from
// GET /api/v1/stats/timeline. Charts are SVG built here (no library, nothing inline: the page's CSP holds).
// For operator keys only, as the Keys view: it shows itself when the timeline answers (a tenant key gets 403).
import { api, ApiError } from "./api";
import { byId, notice } from "./dom";

interface Bucket {
  at: string;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

type Pause = { paused: false } | { paused: true; paused_until: string | null; reason: string; source: "operator" | "usage_limit"; since: string };

interface Timeline {
  minutes: number;
  buckets: Bucket[];
  queue: Record<string, number>;
  running_clis: number;
  concurrency: number;
  pause: Pause;
}

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 32;

/** The charts: element id, caption, the value of a minute, and whether the caption shows the hour's total. */
const CHARTS: { id: string; caption: string; value: (b: Bucket) => number; total: boolean }[] = [
  { id: "chart-queued", caption: "Queued", value: (b) => b.queued, total: false },
  { id: "chart-running", caption: "Running", value: (b) => b.running, total: false },
  { id: "chart-completed", caption: "Completed per minute", value: (b) => b.completed, total: true },
  { id: "chart-failures", caption: "Failed or cancelled per minute", value: (b) => b.failed + b.cancelled, total: true },
];

export class StatusView {
  private readonly card = byId("status");
  private readonly error = byId("status-error");
  private loading?: Promise<void>;

  constructor(private readonly onAuthError: (err: unknown) => boolean) {
    byId("status-refresh").addEventListener("click", () => void this.refresh());
  }

  /** Whether the panel is showing (an operator key is set): the periodic refresh runs only then. */
  get shown(): boolean {
    return !this.card.hidden;
  }

  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const t = await api<Timeline>("GET", "/api/v1/stats/timeline?minutes=60");
      notice(this.error, "");
      this.card.hidden = false;
      this.render(t);
    } catch (err) {
      // 403: a tenant key; 401: no or a wrong key (shown at the key field). Either way, not an operator's page.
      const notOperator = err instanceof ApiError && (err.status === 401 || err.status === 403);
      this.card.hidden = notOperator;
      if (err instanceof ApiError && err.status === 401) this.onAuthError(err);
      else if (!notOperator) notice(this.error, (err as Error).message);
    }
  }

  private render(t: Timeline): void {
    byId("status-queued").textContent = String(t.queue.queued ?? 0);
    byId("status-running").textContent = `${t.running_clis} / ${t.concurrency}`;
    const pause = byId("status-pause");
    pause.textContent = describePause(t.pause);
    pause.dataset.kind = t.pause.paused ? "bad" : "ok";
    for (const c of CHARTS) {
      const values = t.buckets.map(c.value);
      const caption = byId(`${c.id}-caption`);
      caption.textContent = c.total ? `${c.caption} · ${values.reduce((a, b) => a + b, 0)} in ${t.minutes} min` : `${c.caption} · now ${values.at(-1) ?? 0}`;
      drawBars(byId(c.id) as unknown as SVGSVGElement, values, t.buckets);
    }
    byId("status-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  }
}

function describePause(p: Pause): string {
  if (!p.paused) return "running";
  const who = p.source === "usage_limit" ? "usage limit" : "operator";
  const until = p.paused_until ? ` until ${new Date(p.paused_until).toLocaleTimeString()}` : " until resumed";
  return `paused by ${who}${until}: ${p.reason}`;
}

/** One bar per minute, scaled to the largest value; each bar's <title> names its minute and value. */
function drawBars(svg: SVGSVGElement, values: number[], buckets: Bucket[]): void {
  const max = Math.max(1, ...values);
  svg.setAttribute("viewBox", `0 0 ${values.length} ${HEIGHT}`);
  svg.dataset.values = values.join(",");
  const bars = values.map((v, i) => {
    const h = v === 0 ? 0 : Math.max(1, (v / max) * HEIGHT);
    const rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("x", String(i + 0.1));
    rect.setAttribute("width", "0.8");
    rect.setAttribute("y", String(HEIGHT - h));
    rect.setAttribute("height", String(h));
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${new Date(buckets[i]!.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}: ${v}`;
    rect.append(title);
    return rect;
  });
  const base = document.createElementNS(SVG, "line");
  base.setAttribute("x1", "0");
  base.setAttribute("x2", String(values.length));
  base.setAttribute("y1", String(HEIGHT));
  base.setAttribute("y2", String(HEIGHT));
  svg.replaceChildren(base, ...bars);
}
