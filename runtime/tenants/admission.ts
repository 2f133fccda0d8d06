// Whether a tenant key's policy lets it submit this job now. The queue limit (max_queued) is checked by the
// insert itself, and the rate by the rate limiter before the body is read; this covers what depends on the
// body and on the key's spending.
import type { Model } from "../config/schema";
import { httpError } from "../http/errors";
import type { KeyPolicy } from "./policy";
import type { Principal } from "./principal";

export function admit(_g: unknown, _p: Principal, policy: KeyPolicy, model: Model): void {
  if (policy.models && !policy.models.includes(model)) {
    throw httpError(403, `model "${model}" is not allowed for this key (policy.models: ${policy.models.join(", ")})`);
  }
}
