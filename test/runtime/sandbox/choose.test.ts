// How the start-up probe's verdicts become the mode: `auto` takes the strongest that works and says why.
import { describe, expect, it } from "vitest";
import { chooseSandbox, SandboxUnavailableError, type ModeProbe } from "../../../runtime/sandbox/probe";

const layout = { roBinds: ["/usr"], symlinks: [] };
const inputs = (setting: "auto" | "bwrap" | "user" | "off") => ({ setting, uidBase: 61000, slots: 4, layout });
const probes = (fails: Partial<Record<"bwrap" | "user", string>>): ModeProbe => (mode) => fails[mode];

describe("chooseSandbox", () => {
  it("auto: bwrap when it works", () => {
    expect(chooseSandbox(inputs("auto"), probes({}))).toEqual({ sandbox: { mode: "bwrap", layout }, reason: "auto: bwrap probe passed" });
  });

  it("auto: user mode when bwrap fails, saying why bwrap was passed over", () => {
    expect(chooseSandbox(inputs("auto"), probes({ bwrap: "No permissions to create new namespace" }))).toEqual({
      sandbox: { mode: "user", uidBase: 61000, slots: 4 },
      reason: "auto: user probe passed (bwrap: No permissions to create new namespace)",
    });
  });

  it("auto: off when nothing works, with every reason", () => {
    expect(chooseSandbox(inputs("auto"), probes({ bwrap: "b failed", user: "CLAUDEGATE_SANDBOX_UID is not set" }))).toEqual({
      sandbox: { mode: "off" },
      reason: "auto: no sandbox works here (bwrap: b failed; user: CLAUDEGATE_SANDBOX_UID is not set)",
    });
  });

  it("an explicit mode is that mode or a start-up error, never a weaker one", () => {
    expect(chooseSandbox(inputs("user"), probes({ bwrap: "b failed" })).sandbox.mode).toBe("user");
    expect(() => chooseSandbox(inputs("bwrap"), probes({ bwrap: "b failed" }))).toThrow(
      new SandboxUnavailableError("CLAUDEGATE_SANDBOX=bwrap does not work here: b failed"),
    );
    expect(chooseSandbox(inputs("off"), probes({}))).toEqual({ sandbox: { mode: "off" }, reason: "CLAUDEGATE_SANDBOX=off" });
  });
});
