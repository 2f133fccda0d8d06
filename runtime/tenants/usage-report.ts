// The usage report as the API shows it: one row per group, and the range's total.
import type { KeyStore } from "./key-store";
import type { UsageGroup, UsageLedger, UsageRow } from "./usage-ledger";

const FIGURES = ["jobs", "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"] as const;

function figures(rows: UsageRow[]) {
  const out: Record<string, number> = {};
  for (const f of FIGURES) out[f] = rows.reduce((n, r) => n + r[f], 0);
  // Sums of many small floats: rounded to the nano-dollar so totals do not show binary noise.
  out.cost_usd = Math.round(rows.reduce((n, r) => n + r.cost_usd, 0) * 1e9) / 1e9;
  out.run_seconds = Math.round(rows.reduce((n, r) => n + r.run_ms, 0) / 100) / 10;
  return out;
}

/** `owner` limits the report to one tenant's usage (undefined: everyone's, for operators). */
export async function usageReport(
  deps: { ledger: UsageLedger; keys: KeyStore },
  q: { from: string; to: string; group_by: UsageGroup },
  owner?: string,
) {
  const rows = await deps.ledger.report(q.from, q.to, q.group_by, owner);
  const label = (r: UsageRow) => {
    if (q.group_by === "day") return { day: r.group };
    if (q.group_by === "model") return { model: r.group };
    // '' is every operator key together.
    return r.group === "" ? { key_id: null, key_name: null } : { key_id: r.group, key_name: deps.keys.get(r.group)?.name ?? null };
  };
  return {
    from: q.from,
    to: q.to,
    group_by: q.group_by,
    usage: rows.map((r) => ({ ...label(r), ...figures([r]) })),
    total: figures(rows),
  };
}
