// Whether a tenant key's policy lets it submit this job now. The queue limit (max_queued) is checked by the
// insert itself, and the rate by the rate limiter before the body is read; this covers what depends on the
// body and on the key's spending.
import type { Model } from "../config/schema";
import { httpError } from "../http/errors";
import type { TenantKey } from "./key-store";
import { budgetStatus } from "./limits";
import type { UsageLedger } from "./usage-ledger";

export async function admit(ledger: UsageLedger, key: TenantKey, model: Model, now = Date.now()): Promise<void> {
  const { models } = key.limits;
  if (models && !models.includes(model)) {
    throw httpError(403, `model "${model}" is not allowed for this key (policy.models: ${models.join(", ")})`);
  }
  const budget = await budgetStatus(ledger, key, now);
  if (budget?.exhausted) {
    const resets = new Date(budget.resetsAt).toISOString();
    throw httpError(
      429,
      `budget exhausted: $${budget.spent.toFixed(4)} of $${budget.budget} this ${budget.period} spent; resets at ${resets}`,
      { "Retry-After": String(Math.max(1, Math.ceil((budget.resetsAt - now) / 1000))) },
    );
  }
}
