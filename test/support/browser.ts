// A real browser for the page tests: Debian's Chromium driven by playwright-core. Where no Chromium is
// installed the tests skip with a message, except in CI (CI=true), where a missing browser is a failure:
// .ci/run installs it.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { ROOT } from "./gateway-process";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM);

/** Call at the top of a browser test file: true when its tests must be skipped (and says so, loudly). */
export function skipWithoutChromium(): boolean {
  if (HAS_CHROMIUM) return false;
  if (process.env.CI === "true") throw new Error(`CI: no Chromium at ${CHROMIUM} (.ci/run installs it with apt-get install chromium)`);
  console.warn(`\n*** SKIPPING browser tests: no Chromium at ${CHROMIUM}. Install it: apt-get install chromium ***\n`);
  return true;
}

export function launchBrowser(): Promise<Browser> {
  // playwright gives every launch a fresh temporary --user-data-dir of its own.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      // Without these Chromium keeps trying to reach Google's services, over a network there is none of.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A page that may only talk to loopback: any other request is aborted and recorded in `external`, so a test
 * can prove the pages load nothing from a CDN. Page errors and Content-Security-Policy violations are recorded too.
 */
export async function localPage(browser: Browser, viewport = { width: 1200, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const external: string[] = [];
  const errors: string[] = [];
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.hostname === "127.0.0.1" || url.hostname === "localhost") return route.continue();
    external.push(url.href);
    return route.abort();
  });
  page.on("pageerror", (err) => errors.push(err.message));
  // Chromium reports every blocked script, style, image or connection to the console ("Refused to ... because it
  // violates the following Content Security Policy directive ..."): the pages must work under their policy.
  const cspViolations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return { page, context, external, errors, cspViolations };
}

/**
 * Screenshots go to test-results/screenshots, or to SCREENSHOT_DIR (e.g. docs/images to refresh the README's).
 * `target` is a page (its viewport, or all of it with `fullPage`) or one element of it.
 */
export async function screenshot(target: Page | Locator, name: string, fullPage = false): Promise<void> {
  const dir = process.env.SCREENSHOT_DIR ? join(ROOT, process.env.SCREENSHOT_DIR) : join(ROOT, "test-results/screenshots");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await ("goto" in target ? target.screenshot({ path, fullPage }) : target.screenshot({ path }));
}
