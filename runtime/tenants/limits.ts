// A tenant key's running and spending limits, as the dispatcher and the submit path see them.
import type { ClaimLimits, JobStore } from "../store/job-store";
import { currentPeriod } from "./budget-period";
import type { KeyStore, TenantKey } from "./key-store";
import type { UsageLedger } from "./usage-ledger";

export interface BudgetStatus {
  spent: number;
  budget: number;
  period: "day" | "month";
  resetsAt: number;
  exhausted: boolean;
}

/** The key's budget in the current period, or undefined when it has none. */
export async function budgetStatus(ledger: UsageLedger, key: TenantKey, now = Date.now()): Promise<BudgetStatus | undefined> {
  const { budget_usd: budget, budget_period: period } = key.limits;
  if (budget === undefined || period === undefined) return undefined;
  const { from, resetsAt } = currentPeriod(period, now);
  const spent = await ledger.spentSince(key.id, from);
  return { spent, budget, period, resetsAt, exhausted: spent >= budget };
}

/**
 * What the next claim must respect: owners whose queued jobs must wait now (at their key's max_running, or out
 * of budget for the period), and the max_running of the others with jobs waiting, which the claim counts again.
 * Held jobs are not failed; the dispatcher looks again when a run ends, a policy changes, or a new UTC day begins.
 */
export async function claimLimits(deps: { keys: KeyStore; store: JobStore; ledger: UsageLedger }, now = Date.now()): Promise<Required<ClaimLimits>> {
  const held: string[] = [];
  const maxRunning = new Map<string, number>();
  for (const { owner, running } of await deps.store.waitingOwners()) {
    const key = owner === "" ? undefined : deps.keys.get(owner);
    if (!key) continue;
    const max = key.limits.max_running;
    if ((max !== undefined && running >= max) || (await budgetStatus(deps.ledger, key, now))?.exhausted) held.push(owner);
    else if (max !== undefined) maxRunning.set(owner, max);
  }
  return { held, maxRunning };
}
