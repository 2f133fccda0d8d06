// The chaos suite's evidence: one row per round (kill loop), per fault case and per fuzz batch, printed as a
// table at the end of `npm run test:chaos` (and by each test for its own rows).
import { appendFileSync, existsSync, readFileSync } from "node:fs";

export interface ChaosRow {
  /** "kill 3", "fault crash", "fuzz" ... */
  round: string;
  /** Jobs submitted (kill loop, faults) or requests sent (fuzz). */
  jobs: number;
  /** Accepted jobs that are missing, not terminal, or have no `result` event. */
  lost: number;
  /** Jobs that ended more than once, ran more often than allowed, ran after completing, or were created twice. */
  duplicated: number;
  /** CLI processes (or their children) still alive after they should be gone. */
  orphans: number;
  /** 5xx answers from the gateway. */
  fivexx: number;
  /** Anything else that broke a promise (wrong outcome, unreadable row, a crash). */
  other: number;
  seconds: number;
}

export const failed = (r: ChaosRow) => r.lost + r.duplicated + r.orphans + r.fivexx + r.other > 0;

export function formatTable(rows: readonly ChaosRow[]): string {
  const head = ["round", "jobs", "lost", "duplicated", "orphans", "5xx", "other", "seconds"];
  const body = rows.map((r) => [r.round, r.jobs, r.lost, r.duplicated, r.orphans, r.fivexx, r.other, r.seconds.toFixed(1)].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") + " |";
  const sep = "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|";
  return [line(head), sep, ...body.map(line)].join("\n");
}

/** Appends rows to the suite's results file (one JSON object per line), if the suite gave one. */
export function recordRows(file: string | undefined, rows: readonly ChaosRow[]): void {
  if (!file) return;
  for (const r of rows) appendFileSync(file, JSON.stringify(r) + "\n");
}

export function readRows(file: string): ChaosRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as ChaosRow);
}

export function emptyRow(round: string): ChaosRow {
  return { round, jobs: 0, lost: 0, duplicated: 0, orphans: 0, fivexx: 0, other: 0, seconds: 0 };
}
