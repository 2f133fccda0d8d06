/// <reference lib="dom" />
// /docs in a real browser: Swagger UI, served from the gateway's own build, renders the gateway's OpenAPI
// document with every path, loads nothing from anywhere else, and its "Try it out" reaches the gateway.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, localPage, screenshot, skipWithoutChromium } from "../support/browser";
import { GatewayProcess, FAKE_CLI } from "../support/gateway-process";
import { documentedRoutes, handlerRoutes } from "../support/handler-routes";
import { startPrefixProxy } from "../support/prefix-proxy";

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

describe.skipIf(skip)("the API reference at /docs", () => {
  it("renders every documented path and method, from local files only", async () => {
    const { page, external, errors, cspViolations } = await localPage(browser, { width: 1200, height: 1000 });
    const response = await page.goto(`${gw.url}/docs`);
    expect(response!.headers()["content-security-policy"]).toMatch(/script-src 'self'(;|$)/); // and it still works:
    expect(page.url()).toBe(`${gw.url}/docs/`); // a folder's page lives at its trailing-slash URL
    const doc = (await gw.json("GET", "/api/v1/openapi.json")).body;
    const expected = documentedRoutes(doc);
    expect(expected).toEqual(handlerRoutes());
    await page.waitForSelector(".opblock");
    await expect.poll(() => page.locator(".opblock").count()).toBe(expected.length);
    const shown = await page.$$eval(".opblock", (blocks) =>
      blocks.map((b) => `${b.querySelector(".opblock-summary-method")!.textContent} ${b.querySelector(".opblock-summary-path")!.getAttribute("data-path")}`),
    );
    expect(shown.sort()).toEqual(expected);
    expect(await page.textContent(".info .title")).toContain("ClaudeGate");
    await screenshot(page, "docs");
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("tries a request against the gateway itself", async () => {
    const { page, cspViolations } = await localPage(browser);
    await page.goto(`${gw.url}/docs`);
    const op = page.locator("#operations-Server-getHealth");
    await op.locator(".opblock-summary").click();
    await op.locator(".try-out__btn").click();
    await op.locator(".execute").click();
    await expect.poll(() => op.locator(".live-responses-table tr.response .response-col_status").first().textContent()).toContain("200");
    expect(await op.locator(".request-url pre").textContent()).toBe(`${gw.url}/api/v1/health`);
    expect(cspViolations).toEqual([]); // the response's rendering (highlighting, copy buttons) works under the CSP
  });

  it("works behind a path prefix", async () => {
    const proxy = await startPrefixProxy("/claude", gw.url);
    try {
      const { page } = await localPage(browser);
      const paths: string[] = [];
      page.on("request", (r) => paths.push(new URL(r.url()).pathname));
      await page.goto(`${proxy.url}/claude/docs`);
      await expect.poll(() => page.locator(".opblock").count()).toBe(handlerRoutes().length);
      expect(page.url()).toBe(`${proxy.url}/claude/docs/`);
      expect(paths).toContain("/claude/api/v1/openapi.json");
      expect(paths.filter((p) => !p.startsWith("/claude/"))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
