// Budget periods are UTC calendar days or months. Pure functions of the clock, so they are tested with any date.
import type { BudgetPeriod } from "./policy";

const DAY = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The current period: its first day (YYYY-MM-DD, as the usage ledger keys days) and when the next begins. */
export function currentPeriod(period: BudgetPeriod, now: number): { from: string; resetsAt: number } {
  const d = new Date(now);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  if (period === "day") return { from: DAY(now), resetsAt: Date.UTC(y, m, day + 1) };
  return { from: DAY(Date.UTC(y, m, 1)), resetsAt: Date.UTC(y, m + 1, 1) };
}

/** When the next UTC day begins: every period resets then, so held jobs are looked at again. */
export const nextUtcMidnight = (now: number): number => currentPeriod("day", now).resetsAt;
