// A warm CLI process that cannot wait (no credentials at all: the real CLI exits at once in stream-json input
// mode) is not restarted for ever: after a few quick deaths in a row warming pauses, jobs run cold, and it
// resumes when the operator's credentials appear.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayProcess, waitUntil } from "../support/gateway-process";

let gw: GatewayProcess;
const stale = () => gw.output.split("\n").filter((l) => l.includes('"msg":"warm CLI went stale; replacing it"')).length;
const PAUSED = '"msg":"warm CLI processes exit as soon as they start (no credentials?); jobs run cold until the credentials change"';

beforeAll(async () => {
  gw = await GatewayProcess.start({ env: { CLAUDEGATE_WARM_PROCESSES: "1", ANTHROPIC_API_KEY: "" } });
});
afterAll(async () => gw?.stop());

describe("warm CLI processes without credentials", () => {
  it("pause after three quick deaths instead of restarting the CLI for ever, and warm again once credentials appear", async () => {
    await waitUntil(() => gw.output.includes(PAUSED), 30_000, "warming to pause");
    const deaths = stale();
    expect(deaths).toBe(3);
    // Paused: no process is started any more (before, one start a minute went on for ever, with a WARN each).
    const pausedAt = Date.now();
    await waitUntil(() => Date.now() - pausedAt > 4_000, 5_000, "four quiet seconds");
    expect(stale()).toBe(deaths);
    expect(gw.output.split(PAUSED).length - 1).toBe(1);

    // Credentials appear (an OAuth login writes this file): the next job runs cold, and warming starts again.
    const dir = join(gw.dataDir, "home", ".claude");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ".credentials.json"), JSON.stringify({ claudeAiOauth: { accessToken: "sk-ant-oat-test", expiresAt: Date.now() + 3600_000 } }));
    await gw.submit({ prompt: "[[reply:x]] wakes warming" });
    await waitUntil(() => gw.output.includes('"msg":"CLI credentials changed: warming CLI processes again"'), 10_000, "warming to resume");
  });
});
