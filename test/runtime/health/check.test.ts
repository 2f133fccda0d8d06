// Health's "degraded" states that an outside test cannot cause: a database that stops answering.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Gateway } from "../../../runtime/gateway";
import { checkHealth } from "../../../runtime/health/check";
import { QueuePause } from "../../../runtime/queue/queue-pause";
import { openDatabase } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";

function gatewayOn(claudePath: string) {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), "cg-health-")), "h.db"));
  const sandbox = { sandbox: { mode: "user", uidBase: 61000, slots: 1 }, reason: "auto: user probe passed (bwrap: setting up uid map: Permission denied)" };
  const g = { store: new JobStore(db), pause: new QueuePause(db), config: { claudePath }, sandbox } as unknown as Gateway;
  return { g, db };
}

describe("checkHealth", () => {
  it("is ok with a working database and an existing CLI", () => {
    const { g } = gatewayOn(process.execPath);
    expect(checkHealth(g, true)).toMatchObject({ status: "ok" });
  });

  it("says degraded, with the reason, when the database does not answer", () => {
    const { g, db } = gatewayOn(process.execPath);
    g.pause.pause(Date.now() - 1, "expired", "operator"); // clearing it will need the database too
    db.close();
    const h = checkHealth(g, true);
    expect(h.status).toBe("degraded");
    expect(h.reason).toMatch(/^database unreachable: /);
  });

  it("shows only status words without a key: no reason, no CLI path, no pause reason, no sandbox", () => {
    const { g } = gatewayOn("/nonexistent/claude");
    g.pause.pause(null, "<script>alert(1)</script>", "operator");
    const open = checkHealth(g, false);
    expect(open.status).toBe("degraded");
    // The original's public fields only (the token expiry appears when this machine has CLI credentials).
    expect(Object.keys(open).filter((k) => !["claude_auth", "token_expires_at", "token_expires_in"].includes(k))).toEqual(["status"]);
    expect(checkHealth(g, true)).toMatchObject({
      status: "degraded",
      reason: 'claude CLI not found at "/nonexistent/claude"',
      paused_until: "until resumed",
      paused_reason: "<script>alert(1)</script>",
      sandbox: "user",
      sandbox_reason: "auto: user probe passed (bwrap: setting up uid map: Permission denied)",
    });
  });
});
