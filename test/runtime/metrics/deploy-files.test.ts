// The deploy files against the metrics the gateway defines: the Grafana dashboard's structure, and every metric
// name in its PromQL and in the alert rules exists in the registry (a histogram's _bucket/_sum/_count only for a
// histogram). promtool checks the rules' syntax in test/e2e/metrics.test.ts. The README lists every metric.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METRICS, registry } from "../../../runtime/metrics/registry";
import { ROOT } from "../../support/gateway-process";

const dashboard = JSON.parse(readFileSync(join(ROOT, "deploy/grafana/claudegate.json"), "utf8"));
const alerts = readFileSync(join(ROOT, "deploy/prometheus/alerts.yml"), "utf8");

const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan"]);

/** The metric names a PromQL expression reads (not functions, aggregations, label names or keywords). */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges, Grafana's [$__range] included
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "") // label lists
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ""); // numbers (1e9)
  const names: string[] = [];
  for (const m of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (s.slice(m.index! + m[0].length).trimStart().startsWith("(")) continue; // a function or aggregation
    if (!KEYWORDS.has(m[0])) names.push(m[0]);
  }
  return names;
}

const defined = new Map(registry.getMetricsAsArray().map((m) => [m.name, (m as unknown as { type: string }).type]));

/** The names in `exprs` that no metric of the registry exposes. */
function undefinedNames(exprs: string[]): string[] {
  const bad: string[] = [];
  for (const name of exprs.flatMap(metricNames)) {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    const ok = defined.has(name) || (base !== name && defined.get(base) === "histogram");
    if (!ok) bad.push(name);
  }
  return bad;
}

const dashboardExprs = (): string[] =>
  dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
const alertExprs = (): string[] => [...alerts.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);

describe("the metric-name check", () => {
  it("finds the metrics of an expression, and flags one that does not exist", () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(a_seconds_bucket{route=~"x|y"}[5m]))) / 1e9 and on() b > 0')).toEqual([
      "a_seconds_bucket",
      "b",
    ]);
    expect(undefinedNames(["sum(rate(claudegate_nope_total[5m]))", "claudegate_queue_jobs_count", "claudegate_job_run_seconds_count"])).toEqual([
      "claudegate_nope_total",
      "claudegate_queue_jobs_count",
    ]);
  });
});

describe("deploy/grafana/claudegate.json", () => {
  it("is a dashboard of rows, stats and time series on the 24-column grid, each query on the templated Prometheus", () => {
    expect(dashboard).toMatchObject({ title: "ClaudeGate", uid: "claudegate", schemaVersion: expect.any(Number) });
    expect(dashboard.__inputs.map((i: { name: string; pluginId: string }) => `${i.name}:${i.pluginId}`)).toEqual(["DS_PROMETHEUS:prometheus"]);
    const ids = new Set<number>();
    for (const p of dashboard.panels) {
      expect(["row", "stat", "timeseries"], p.title).toContain(p.type);
      expect(ids.has(p.id), `duplicate panel id ${p.id}`).toBe(false);
      ids.add(p.id);
      expect(p.title, `panel ${p.id}`).toBeTruthy();
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === "row") continue;
      expect(p.targets.length, p.title).toBeGreaterThanOrEqual(1);
      for (const t of p.targets) {
        expect(t, p.title).toMatchObject({ refId: expect.stringMatching(/^[A-Z]$/), expr: expect.any(String), datasource: { uid: "${DS_PROMETHEUS}" } });
      }
    }
  });

  it("queries only metrics the gateway defines, and shows every one of ours", () => {
    expect(undefinedNames(dashboardExprs())).toEqual([]);
    const used = new Set(dashboardExprs().flatMap(metricNames).map((n) => n.replace(/_(bucket|sum|count)$/, "")));
    expect(METRICS.map((m) => (m as unknown as { name: string }).name).filter((n) => !used.has(n))).toEqual([]);
  });
});

describe("deploy/prometheus/alerts.yml", () => {
  it("alerts only on metrics the gateway defines", () => {
    expect(alertExprs().length).toBe(6);
    expect(undefinedNames(alertExprs())).toEqual([]);
  });
});

describe("the README", () => {
  it("lists every metric of ours", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(METRICS.map((m) => (m as unknown as { name: string }).name).filter((n) => !readme.includes(`\`${n}\``))).toEqual([]);
  });
});
