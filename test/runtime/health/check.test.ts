// Health's "degraded" states that an outside test cannot cause: a database that stops answering.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Gateway } from "../../../runtime/gateway";
import { checkHealth } from "../../../runtime/health/check";
import { QueuePause } from "../../../runtime/queue/queue-pause";
import { openSqlite } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";

function gatewayOn(claudePath: string) {
  const database = openSqlite(join(mkdtempSync(join(tmpdir(), "cg-health-")), "h.db"));
  const sandbox = { sandbox: { mode: "user", uidBase: 61000, slots: 1 }, reason: "auto: user probe passed (bwrap: setting up uid map: Permission denied)" };
  const g = {
    store: new JobStore(database.sql),
    pause: new QueuePause(database.sql),
    config: { claudePath },
    sandbox,
    database,
    instance: { id: "i-test" },
  } as unknown as Gateway;
  return { g, db: database.db };
}

describe("checkHealth", () => {
  it("is ok with a working database and an existing CLI", async () => {
    const { g } = gatewayOn(process.execPath);
    expect(await checkHealth(g, true)).toMatchObject({ status: "ok", database: "sqlite", instance_id: "i-test" });
  });

  it("says degraded, with the reason, when the database does not answer", async () => {
    const { g, db } = gatewayOn(process.execPath);
    await g.pause.pause(Date.now() - 1, "expired", "operator"); // clearing it will need the database too
    db.close();
    const h = await checkHealth(g, true);
    expect(h.status).toBe("degraded");
    expect(h.reason).toMatch(/^database unreachable: /);
  });

  it("shows only status words without a key: no reason, no CLI path, no pause reason, no sandbox", async () => {
    const { g } = gatewayOn("/nonexistent/claude");
    await g.pause.pause(null, "<script>alert(1)</script>", "operator");
    const open = await checkHealth(g, false);
    expect(open.status).toBe("degraded");
    // The original's public fields only (the token expiry appears when this machine has CLI credentials).
    expect(Object.keys(open).filter((k) => !["claude_auth", "token_expires_at", "token_expires_in"].includes(k))).toEqual(["status"]);
    expect(await checkHealth(g, true)).toMatchObject({
      status: "degraded",
      reason: 'claude CLI not found at "/nonexistent/claude"',
      paused_until: "until resumed",
      paused_reason: "<script>alert(1)</script>",
      sandbox: "user",
      sandbox_reason: "auto: user probe passed (bwrap: setting up uid map: Permission denied)",
    });
  });
});
