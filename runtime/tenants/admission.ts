// Whether a tenant key's policy lets it submit this job now. The queue limit (max_queued) is checked by the
// insert itself, and the rate by the rate limiter before the body is read; this covers what depends on the
// body and on the key's spending.
import type { Model } from "../config/schema";
import { refuse } from "../domain-error";
import type { TenantKey } from "./key-store";
import { budgetStatus } from "./limits";
import type { UsageLedger } from "./usage-ledger";

export async function admit(ledger: UsageLedger, key: TenantKey, model: Model, now = Date.now()): Promise<void> {
  const { models } = key.limits;
  if (models && !models.includes(model)) {
    throw refuse("forbidden", `model "${model}" is not allowed for this key (policy.models: ${models.join(", ")})`);
  }
  const budget = await budgetStatus(ledger, key, now);
  if (budget?.exhausted) {
    const resets = new Date(budget.resetsAt).toISOString();
    throw refuse(
      "too_many",
      `budget exhausted: $${budget.spent.toFixed(4)} of $${budget.budget} this ${budget.period} spent; resets at ${resets}`,
      Math.max(1, Math.ceil((budget.resetsAt - now) / 1000)),
    );
  }
}
