/// <reference lib="dom" />
// The playground at `/`, in a real browser, against the built gateway running the real CLI on the fake
// Messages API: a key is entered, a prompt submitted, the answer streams in token by token, the job shows up
// in the history, a hanging job is cancelled from there, and a wrong key gets a message a person understands.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, localPage, screenshot, skipWithoutChromium } from "../support/browser";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { API_KEY, GatewayProcess } from "../support/gateway-process";
import { startPrefixProxy, type PrefixProxy } from "../support/prefix-proxy";

const skip = skipWithoutChromium();
let fake: FakeAnthropic;
let gw: GatewayProcess;
let browser: Browser;

const QUESTION = "Explain what a mutex is in one sentence.";
const ANSWER = "A mutex |is a lock |that lets |only one |thread |into a |critical |section |at a |time.";

beforeAll(async () => {
  if (skip) return;
  // Prompts are typed as a person would (the history shows them in the README's pictures); the fake API scripts
  // the answers by prompt.
  fake = await startFakeAnthropic({
    script: {
      [QUESTION]: `[[reply:${ANSWER}]][[delay:150]]`,
      "Take your time before answering.": "[[hang]]",
      "Which list was this opened from?": "[[reply:replayed |from |history]]",
      "Is everything fine? Answer in JSON.": '[[reply:{"ok": |true}]]',
      "Say hello through the proxy.": "[[reply:through |the |proxy]]",
    },
  });
  gw = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2" } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await fake?.close();
});

async function enterKey(page: Page, key: string): Promise<void> {
  await page.fill("#api-key", key);
  await page.click("#key-form button[type=submit]");
}

/** Records every rendering of the answer panel as [status, text], from inside the page. */
async function recordRenders(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { renders: [string, string][] };
    w.renders = [];
    const snap = () => w.renders.push([document.getElementById("run-status")!.dataset.status ?? "", document.getElementById("answer")!.textContent ?? ""]);
    new MutationObserver(snap).observe(document.getElementById("run")!, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

const renders = (page: Page) => page.evaluate(() => (window as unknown as { renders: [string, string][] }).renders);
const row = (page: Page, jobId: string) => page.locator(`#history-rows tr[data-job-id="${jobId}"]`);

describe.skipIf(skip)("the playground", () => {
  it("streams the answer token by token, ends with the job's result and figures, and lists the job in the history", async () => {
    const { page, external, errors, cspViolations } = await localPage(browser);
    const response = await page.goto(`${gw.url}/`);
    expect(response!.headers()["content-security-policy"]).toMatch(/script-src 'self'(;|$)/); // and it still works:
    await expect.poll(() => page.textContent("#health")).toBe("gateway ok");
    await enterKey(page, API_KEY);
    await page.fill("#prompt", QUESTION);
    await page.selectOption("#model", "haiku");
    await recordRenders(page);
    await page.press("#prompt", "Control+Enter");

    // Mid-stream (the job still processing, part of the answer on screen) for the screenshot; should the machine
    // be too slow to see four renderings, the assertions below still decide.
    await page.waitForFunction(() => {
      const r = (window as unknown as { renders: [string, string][] }).renders;
      const live = new Set(r.filter(([s, t]) => s === "processing" && t).map(([, t]) => t)).size;
      return live >= 4 || ["completed", "failed", "cancelled"].includes(r.at(-1)?.[0] ?? "");
    });
    if ((await page.getAttribute("#run-status", "data-status")) === "processing") await screenshot(page, "playground-streaming");

    await page.waitForSelector('#run-status[data-status="completed"]');
    const jobId = (await page.textContent("#run-job"))!;
    const job = (await gw.json("GET", `/api/v1/jobs/${jobId}`)).body;
    expect(job.status).toBe("completed");
    expect(await page.textContent("#answer")).toBe(job.result);
    expect(job.result).toBe(ANSWER.replaceAll("|", ""));

    // Every rendering while the job was processing is a prefix of the result, and at least two were partial.
    const whileProcessing = [...new Set((await renders(page)).filter(([s, t]) => s === "processing" && t).map(([, t]) => t))];
    for (const text of whileProcessing) expect(job.result.startsWith(text)).toBe(true);
    expect(whileProcessing.filter((t) => t.length < job.result.length).length).toBeGreaterThanOrEqual(2);

    await expect.poll(() => page.textContent("#run-stats")).toMatch(/tokens · \$0\.\d+ · CLI [\d.]+ s · 1 turn/);
    await expect.poll(() => row(page, jobId).locator(".pill").textContent()).toBe("completed");
    expect(await row(page, jobId).locator(".prompt").textContent()).toBe(job.prompt);
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("cancels a hanging job from the history, and replays and deletes jobs from there", async () => {
    const { page } = await localPage(browser);
    await page.goto(`${gw.url}/`);
    await enterKey(page, API_KEY);
    await page.fill("#prompt", "Take your time before answering.");
    await page.click("#submit");
    await page.waitForSelector('#run-status[data-status="processing"]');
    const jobId = (await page.textContent("#run-job"))!;

    await row(page, jobId).getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => row(page, jobId).locator(".pill").textContent()).toBe("cancelled");
    await page.waitForSelector('#run-status[data-status="cancelled"]'); // the open stream ends with the cancel
    expect(await page.textContent("#run-error")).toBe("job cancelled by user");
    expect((await gw.json("GET", `/api/v1/jobs/${jobId}`)).body).toMatchObject({ status: "cancelled", error_code: "cancelled" });

    // "Open" replays a finished job's stream into the answer panel.
    const done = await gw.submit({ prompt: "Which list was this opened from?" });
    await gw.waitJob(done.job_id);
    await page.selectOption("#history-status", "completed");
    await row(page, done.job_id).getByRole("button", { name: "Open" }).click();
    await expect.poll(() => page.textContent("#run-job")).toBe(done.job_id);
    await expect.poll(() => page.textContent("#answer")).toBe("replayed from history");
    await expect.poll(() => page.textContent("#run-stats")).toMatch(/tokens/);

    await row(page, done.job_id).getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => row(page, done.job_id).count()).toBe(0);
    expect((await gw.json("GET", `/api/v1/jobs/${done.job_id}`)).status).toBe(404);
  });

  it("sends the model, system prompt, JSON mode, timeout and metadata, and refuses metadata that is not JSON", async () => {
    const { page } = await localPage(browser);
    await page.goto(`${gw.url}/`);
    await enterKey(page, API_KEY);
    await page.fill("#prompt", 'Is everything fine? Answer in JSON.');
    await page.selectOption("#model", "sonnet");
    await page.check("#json-mode");
    await page.fill("#timeout", "90");
    await page.click("details summary");
    await page.fill("#system-prompt", "Answer in JSON.");
    await page.fill("#metadata", "{not json");
    await page.click("#submit");
    await expect.poll(() => page.textContent("#form-notice")).toContain("Metadata must be JSON");
    expect(await page.isVisible("#run")).toBe(false);

    await page.fill("#metadata", '{"ticket": 42}');
    await page.click("#submit");
    await page.waitForSelector('#run-status[data-status="completed"]');
    const job = (await gw.json("GET", `/api/v1/jobs/${await page.textContent("#run-job")}`)).body;
    expect(job).toMatchObject({ model: "sonnet", system_prompt: "Answer in JSON.", response_format: "json", timeout_seconds: 90, metadata: { ticket: 42 } });
    expect(await page.textContent("#answer")).toBe('{"ok": true}');
  });

  it("tells a person with a wrong key what is wrong", async () => {
    const { page } = await localPage(browser);
    await page.goto(`${gw.url}/`);
    await enterKey(page, "not-the-key");
    await page.waitForSelector("#key-notice:not([hidden])");
    await expect.poll(() => page.textContent("#key-notice")).toContain("refused this API key (invalid API key)");
    expect(await page.getAttribute("#api-key", "aria-invalid")).toBe("true");

    await page.fill("#prompt", "never submitted");
    await page.click("#submit");
    await expect.poll(() => page.textContent("#key-notice")).toContain("Check the key");
    expect(await page.isVisible("#run")).toBe(false);
    expect((await gw.json("GET", "/api/v1/jobs?limit=100")).body.jobs.some((j: { prompt: string }) => j.prompt === "never submitted")).toBe(false);
  });

  it("keeps the key in localStorage, and fits a phone's screen", async () => {
    const { page } = await localPage(browser, { width: 375, height: 740 });
    await page.goto(`${gw.url}/`);
    await enterKey(page, API_KEY);
    await page.reload();
    expect(await page.inputValue("#api-key")).toBe(API_KEY);
    await page.waitForSelector("#history-rows tr[data-job-id]");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(page, "playground-phone", true);
  });
});

describe.skipIf(skip)("the playground behind a path prefix", () => {
  let proxy: PrefixProxy;
  beforeAll(async () => (proxy = await startPrefixProxy("/claude", gw.url)));
  afterAll(() => proxy?.close());

  it("makes every request under the prefix, the stream included", async () => {
    const { page } = await localPage(browser);
    const paths: string[] = [];
    page.on("request", (r) => paths.push(new URL(r.url()).pathname));
    await page.goto(`${proxy.url}/claude/`);
    await enterKey(page, API_KEY);
    await page.fill("#prompt", "Say hello through the proxy.");
    await page.click("#submit");
    await page.waitForSelector('#run-status[data-status="completed"]');
    expect(await page.textContent("#answer")).toBe("through the proxy");
    expect(paths.some((p) => /^\/claude\/api\/v1\/jobs\/[^/]+\/sse$/.test(p))).toBe(true);
    expect(paths.filter((p) => !p.startsWith("/claude/"))).toEqual([]);
  });
});
