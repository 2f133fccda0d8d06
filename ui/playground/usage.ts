// The Usage view: spend and jobs per UTC day over the chosen range, as a bar chart (an inline SVG: no chart
// library, nothing fetched), and the same range per key. A tenant key sees its own usage, an operator key
// everyone's (GET /api/v1/usage decides; the page only shows what it gets).
import { api } from "./api";
import { byId, h, notice } from "./dom";

interface Figures {
  jobs: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  run_seconds: number;
}
interface Report<R> {
  from: string;
  to: string;
  usage: (R & Figures)[];
  total: Figures;
}

const DAY_MS = 86_400_000;
const SVG = "http://www.w3.org/2000/svg";
const usd = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (Node | string)[]) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

export class UsageView {
  private readonly days = byId<HTMLSelectElement>("usage-days");
  private readonly chart = byId("usage-chart");
  private readonly summary = byId("usage-summary");
  private readonly keys = byId<HTMLTableSectionElement>("usage-keys");
  private readonly error = byId("usage-error");

  constructor(private readonly onAuthError: (err: unknown) => boolean) {
    this.days.addEventListener("change", () => void this.refresh());
    byId("usage-refresh").addEventListener("click", () => void this.refresh());
  }

  async refresh(): Promise<void> {
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - (Number(this.days.value) - 1) * DAY_MS).toISOString().slice(0, 10);
    const q = `from=${from}&to=${to}`;
    try {
      const [byDay, byKey] = await Promise.all([
        api<Report<{ day: string }>>("GET", `/api/v1/usage?${q}&group_by=day`),
        api<Report<{ key_id: string | null; key_name: string | null }>>("GET", `/api/v1/usage?${q}&group_by=key`),
      ]);
      notice(this.error, "");
      this.renderChart(byDay);
      this.summary.textContent = `${usd(byDay.total.cost_usd)} · ${byDay.total.jobs} jobs · ${byDay.total.input_tokens + byDay.total.output_tokens} tokens, ${from} to ${to} (UTC)`;
      this.keys.replaceChildren(
        ...(byKey.usage.length
          ? byKey.usage.map((r) =>
              h(
                "tr",
                { "data-key-id": r.key_id ?? "" },
                h("td", {}, r.key_name ?? "operator keys"),
                h("td", { class: "num" }, String(r.jobs)),
                h("td", { class: "num" }, usd(r.cost_usd)),
                h("td", { class: "num" }, String(r.input_tokens + r.output_tokens)),
              ),
            )
          : [h("tr", {}, h("td", { colspan: "4", class: "empty" }, "No usage in this range."))]),
      );
    } catch (err) {
      if (!this.onAuthError(err)) notice(this.error, (err as Error).message);
      this.chart.replaceChildren();
      this.keys.replaceChildren();
      this.summary.textContent = "";
    }
  }

  /** One group per day of the range (days without usage included): a spend bar and a jobs bar, each to its own scale. */
  private renderChart(report: Report<{ day: string }>): void {
    const byDay = new Map(report.usage.map((r) => [r.day, r]));
    const days: string[] = [];
    for (let t = Date.parse(report.from); t <= Date.parse(report.to); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
    const maxCost = Math.max(...days.map((d) => byDay.get(d)?.cost_usd ?? 0), 1e-9);
    const maxJobs = Math.max(...days.map((d) => byDay.get(d)?.jobs ?? 0), 1);
    const [w, hgt, slot] = [days.length * 20, 100, 20];
    const groups = days.map((day, i) => {
      const cost = byDay.get(day)?.cost_usd ?? 0;
      const jobs = byDay.get(day)?.jobs ?? 0;
      const costH = (cost / maxCost) * (hgt - 4);
      const jobsH = (jobs / maxJobs) * (hgt - 4);
      return svg(
        "g",
        { "data-day": day, "data-cost": cost, "data-jobs": jobs },
        svg("title", {}, `${day}: ${usd(cost)}, ${jobs} jobs`),
        svg("rect", { class: "cost", x: i * slot + 2, y: hgt - costH, width: 8, height: costH }),
        svg("rect", { class: "jobs", x: i * slot + 10, y: hgt - jobsH, width: 8, height: jobsH }),
      );
    });
    this.chart.replaceChildren(
      svg("svg", { viewBox: `0 0 ${w} ${hgt}`, preserveAspectRatio: "none", role: "img", "aria-label": "Spend and jobs per day" }, ...groups),
    );
  }
}
