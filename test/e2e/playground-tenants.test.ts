/// <reference lib="dom" />
// The playground's Keys and Usage views, in a real browser, against the built gateway with the scripted CLI
// (which reports [[cost:X]]): an operator creates and revokes keys from the page and sees everyone's usage; a
// tenant sees no Keys view and only its own usage.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, localPage, screenshot, skipWithoutChromium } from "../support/browser";
import { API_KEY, FAKE_CLI, GatewayProcess } from "../support/gateway-process";
import { createTenant, submitAs } from "../support/tenants";

const skip = skipWithoutChromium();
let gw: GatewayProcess;
let browser: Browser;

beforeAll(async () => {
  if (skip) return;
  gw = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

async function openAs(key: string): Promise<{ page: Page; external: string[]; errors: string[] }> {
  const { page, external, errors } = await localPage(browser);
  await page.goto(`${gw.url}/`);
  await page.fill("#api-key", key);
  await page.click("#key-form button[type=submit]");
  return { page, external, errors };
}

const today = () => new Date().toISOString().slice(0, 10);
const keyRow = (page: Page, id: string) => page.locator(`#keys-rows tr[data-key-id="${id}"]`);

describe.skipIf(skip)("the Keys view", () => {
  it("lets an operator create a key (secret shown once), see its policy, and revoke a key", async () => {
    const { page, external, errors } = await openAs(API_KEY);
    await page.waitForSelector("#keys:not([hidden])");
    await page.fill("#key-name", "web-team");
    await page.fill("#key-policy", '{"max_running": 1, "models": ["haiku"]}');
    await page.click("#key-create button[type=submit]");
    await page.waitForSelector("#key-created:not([hidden])");
    const secret = (await page.textContent("#key-secret"))!;
    expect(secret).toMatch(/^cg_[\w-]{43}$/);
    expect(await page.textContent("#key-created-name")).toBe("web-team");

    // The secret works, as a tenant key with that policy.
    const listed = (await gw.json("GET", "/api/v1/keys")).body.keys.find((k: any) => k.name === "web-team");
    expect(listed.policy).toEqual({ max_running: 1, models: ["haiku"] });
    expect((await gw.json("GET", "/api/v1/jobs", undefined, { "X-API-Key": secret })).status).toBe(200);
    await expect.poll(() => keyRow(page, listed.id).locator(".policy").textContent()).toBe('{"models":["haiku"],"max_running":1}');
    await expect.poll(() => keyRow(page, listed.id).locator(".pill").textContent()).toBe("active");

    // Mistakes get the gateway's message.
    await page.fill("#key-name", "web-team");
    await page.click("#key-create button[type=submit]");
    await expect.poll(() => page.textContent("#keys-error")).toBe('name "web-team" is already taken');
    await page.fill("#key-name", "other");
    await page.fill("#key-policy", "{max_running: 1}");
    await page.click("#key-create button[type=submit]");
    await expect.poll(() => page.textContent("#keys-error")).toBe('Policy must be JSON, e.g. {"max_running": 1}.');

    await keyRow(page, listed.id).getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => keyRow(page, listed.id).locator(".pill").textContent()).toBe("revoked");
    expect((await gw.json("GET", "/api/v1/jobs", undefined, { "X-API-Key": secret })).status).toBe(401);
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe.skipIf(skip)("the Usage view", () => {
  it("shows a tenant its own spend and jobs per day, and an operator everyone's, per key", async () => {
    const t = await createTenant(gw, "usage-tenant");
    for (const j of [await submitAs(gw, t, { prompt: "[[cost:0.25]] pu-1" }), await submitAs(gw, t, { prompt: "[[cost:0.25]] pu-2" })]) await gw.waitJob(j.job_id);
    await gw.waitJob((await gw.submit({ prompt: "[[cost:1]] pu-op" })).job_id);

    const tenant = await openAs(t.key);
    const bar = (page: Page) => page.locator(`#usage-chart g[data-day="${today()}"]`);
    await expect.poll(() => bar(tenant.page).getAttribute("data-cost")).toBe("0.5");
    expect(await bar(tenant.page).getAttribute("data-jobs")).toBe("2");
    expect(await tenant.page.locator("#usage-chart g").count()).toBe(30);
    expect(await tenant.page.textContent("#usage-summary")).toMatch(/^\$0\.5000 · 2 jobs · /);
    expect(await tenant.page.locator("#usage-keys tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key-id")))).toEqual([t.id]);
    expect(await tenant.page.isVisible("#keys")).toBe(false);
    expect(tenant.errors).toEqual([]);

    const op = await openAs(API_KEY);
    await expect.poll(() => bar(op.page).getAttribute("data-cost")).toBe("1.5");
    expect(await bar(op.page).getAttribute("data-jobs")).toBe("3");
    const rows = await op.page.locator("#usage-keys tr").evaluateAll((rs) => rs.map((r) => [r.getAttribute("data-key-id"), r.children[0]!.textContent]));
    expect(rows).toEqual([["", "operator keys"], [t.id, "usage-tenant"]]);
    await op.page.selectOption("#usage-days", "7");
    await expect.poll(() => op.page.locator("#usage-chart g").count()).toBe(7);
    await screenshot(op.page, "playground-usage", true);
  });

  it("fits a phone's screen with the new views", async () => {
    const { page } = await localPage(browser, { width: 375, height: 740 });
    await page.goto(`${gw.url}/`);
    await page.fill("#api-key", API_KEY);
    await page.click("#key-form button[type=submit]");
    await page.waitForSelector("#keys:not([hidden])");
    await page.waitForSelector("#usage-chart svg");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });
});
