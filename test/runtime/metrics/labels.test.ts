// The metric label mappers: every value comes from a fixed set, whatever the CLI or a receiver says.
import { describe, expect, it } from "vitest";
import { tokenCounts } from "../../../runtime/cli/usage";
import { errorCodeLabel, keyLabel, modelLabel, webhookOutcome } from "../../../runtime/metrics/labels";

describe("metric labels", () => {
  it("reads the CLI's usage as tokens by type, and counts missing or odd fields as 0", () => {
    expect(tokenCounts({ input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 7, cache_creation_input_tokens: 2, service_tier: "standard" })).toEqual({
      input: 10,
      output: 3,
      cache_read: 7,
      cache_write: 2,
    });
    expect(tokenCounts({ input_tokens: "10", output_tokens: -1, cache_read_input_tokens: Number.NaN })).toEqual({ input: 0, output: 0, cache_read: 0, cache_write: 0 });
    expect(tokenCounts(undefined)).toEqual({ input: 0, output: 0, cache_read: 0, cache_write: 0 });
  });

  it("names a webhook attempt's outcome: delivered, retried, refused by the policy, or gave up", () => {
    const ok = { kind: "response", statusCode: 204 } as const;
    const down = { kind: "response", statusCode: 503 } as const;
    expect(webhookOutcome(ok, { state: "delivered" })).toBe("delivered");
    expect(webhookOutcome(down, { state: "pending", at: 1 })).toBe("retried");
    expect(webhookOutcome({ kind: "refused", reason: "loopback" }, { state: "failed", reason: "loopback" })).toBe("refused");
    expect(webhookOutcome(down, { state: "failed", reason: "gave up after 3 attempts" })).toBe("gave_up");
    expect(webhookOutcome({ kind: "error", error: "ECONNREFUSED" }, { state: "failed", reason: "gave up" })).toBe("gave_up");
  });

  it("labels a job without error_code as none, an operator key's job as operator and a tenant's by its key's name", () => {
    expect(errorCodeLabel({ errorCode: "" })).toBe("none");
    expect(errorCodeLabel({ errorCode: "timeout" })).toBe("timeout");
    const names = new Map([["key_0a1b", "billing"]]);
    const nameOf = (id: string) => names.get(id);
    expect(keyLabel({ owner: "" }, nameOf)).toBe("operator");
    expect(keyLabel({ owner: "key_0a1b" }, nameOf)).toBe("billing");
    expect(keyLabel({ owner: "key_gone" }, nameOf)).toBe("key_gone");
  });

  it("labels a model by name when it is an alias or an id the operator lists, else `other`", () => {
    const aliases = ["haiku", "sonnet", "opus"];
    expect(modelLabel("sonnet", aliases, [])).toBe("sonnet");
    expect(modelLabel("claude-house-model", aliases, ["claude-house-model"])).toBe("claude-house-model");
    // Without an allow-list any claude-... id is accepted: each must not become a series of its own.
    expect(modelLabel("claude-x-1", aliases, [])).toBe("other");
    expect(modelLabel("claude-x-2", aliases, ["claude-house-model"])).toBe("other");
  });
});
