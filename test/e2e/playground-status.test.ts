/// <reference lib="dom" />
// The playground's Status panel, in a real browser: after a known mix of jobs (run by the scripted fake CLI), it
// shows the queue depth, running CLIs against concurrency, the pause with its reason, and the last hour per minute
// as charts whose bars add up to the jobs that completed and failed; under the page's CSP, loading nothing from
// elsewhere. The figures come from GET /api/v1/stats/timeline, which needs an operator key.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, localPage, screenshot, skipWithoutChromium } from "../support/browser";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { createTenant } from "../support/tenants";

const skip = skipWithoutChromium();
let gw: GatewayProcess;
let browser: Browser;

// The history beside the panel is in the README's picture: prompts read as a person's, scripted by FAKE_CLAUDE_SCRIPT.
const SCRIPT = {
  "Wait until I cancel you.": "[[hang]]",
  "Summarise yesterday's deploy log.": "[[reply:a]]",
  "Draft the release notes.": "[[reply:b]]",
  "Translate the changelog into French.": "[[reply:c]]",
  "Rebuild the search index.": "[[crash]]",
  "Write the weekly report.": "[[reply:later]]",
};

beforeAll(async () => {
  gw = await GatewayProcess.start({
    env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_CLI_ENV: "FAKE_CLAUDE_SCRIPT", FAKE_CLAUDE_SCRIPT: JSON.stringify(SCRIPT) },
  });
  if (!skip) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

const sum = (csv: string | null) => (csv ?? "").split(",").reduce((a, b) => a + Number(b), 0);

describe("GET /api/v1/stats/timeline", () => {
  it("needs an operator key and refuses a bad window", async () => {
    expect((await fetch(`${gw.url}/api/v1/stats/timeline`)).status).toBe(401);
    const bad = await gw.json("GET", "/api/v1/stats/timeline?minutes=0");
    expect(bad).toMatchObject({ status: 400, body: { error: "minutes must be an integer from 1 to 1440" } });
    const ok = await gw.json("GET", "/api/v1/stats/timeline?minutes=3");
    expect(ok.status).toBe(200);
    expect(ok.body.buckets.length).toBe(3);
  });
});

describe.skipIf(skip)("the Status panel", () => {
  it("shows the queue, the running CLIs, the pause and its reason, and the last hour's jobs as charts", async () => {
    const run = async (prompt: string) => gw.waitJob((await gw.submit({ prompt })).job_id);
    const hanging = await gw.submit({ prompt: "Wait until I cancel you." });
    await gw.waitJob(hanging.job_id, (j) => j.status === "processing");
    await gw.json("POST", `/api/v1/jobs/${hanging.job_id}/cancel`);
    for (const p of ["Summarise yesterday's deploy log.", "Draft the release notes.", "Translate the changelog into French.", "Rebuild the search index."]) await run(p);
    expect((await gw.json("POST", "/api/v1/queue/pause", { reason: "maintenance window" })).status).toBe(200);
    await gw.submit({ prompt: "Write the weekly report." });

    const { page, external, errors, cspViolations } = await localPage(browser);
    await page.goto(`${gw.url}/`);
    await page.fill("#api-key", API_KEY);
    await page.click("#key-form button[type=submit]");
    await page.waitForSelector("#chart-completed[data-values]", { state: "attached" });

    expect(await page.textContent("#status-queued")).toBe("1");
    expect(await page.textContent("#status-running")).toBe("0 / 1");
    expect(await page.textContent("#status-pause")).toMatch(/^paused by operator until resumed: maintenance window$/);
    expect(await page.getAttribute("#chart-completed", "data-values")).toMatch(/^(\d+,){59}\d+$/);
    expect(sum(await page.getAttribute("#chart-completed", "data-values"))).toBe(3);
    expect(sum(await page.getAttribute("#chart-failures", "data-values"))).toBe(2); // one crash, one cancel
    expect((await page.getAttribute("#chart-queued", "data-values"))!.split(",").at(-1)).toBe("1");
    expect((await page.getAttribute("#chart-running", "data-values"))!.split(",").at(-1)).toBe("0");
    expect(await page.textContent("#chart-completed-caption")).toBe("Completed per minute · 3 in 60 min");
    expect(await page.locator("#chart-completed rect").count()).toBe(60);
    await page.locator("#status").scrollIntoViewIfNeeded();
    await screenshot(page, "playground-status");

    // Resumed, the next refresh says so.
    await gw.json("POST", "/api/v1/queue/resume");
    await waitUntil(async () => (await gw.json("GET", "/api/v1/stats")).body.queue.queued === 0, 30_000, "the queued job to start");
    await page.click("#status-refresh");
    await expect.poll(() => page.textContent("#status-pause")).toBe("running");
    expect(await page.textContent("#status-queued")).toBe("0");

    // A tenant key gets 403 from the timeline: the panel hides, as the Keys view does.
    const tenant = await createTenant(gw, "status-tenant");
    await page.fill("#api-key", tenant.key);
    await page.click("#key-form button[type=submit]");
    await page.waitForSelector("#status", { state: "hidden" });
    await page.waitForSelector("#keys", { state: "hidden" });
    expect(await page.isVisible("#usage")).toBe(true);

    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
