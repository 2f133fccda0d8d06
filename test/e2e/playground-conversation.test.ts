/// <reference lib="dom" />
// The playground's conversation view in a real browser, against the built gateway running the scripted fake CLI:
// two turns of one session as a chat (answers as Markdown, a tool call folded), reopened from the session list;
// HTML in an answer shown as text and never run; a file uploaded and downloaded byte for byte next to one the
// CLI wrote; structured output as JSON; a fork. No request leaves loopback and the page keeps its CSP.
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, localPage, screenshot, skipWithoutChromium } from "../support/browser";
import { API_KEY, FAKE_CLI, GatewayProcess } from "../support/gateway-process";

const skip = skipWithoutChromium();
let gw: GatewayProcess;
let browser: Browser;

// The screenshot's prompts are what a person would type; FAKE_CLAUDE_SCRIPT gives the fake CLI their answers.
const Q1 = "How do I read a text file in Node.js?";
const CODE = 'import { readFile } from "node:fs/promises";\nconst text = await readFile("notes.txt", "utf8");';
const A1 = `Use **\`readFile\`** from \`node:fs/promises\`:|\n\n\`\`\`js\n${CODE}\n\`\`\`\n\n|It resolves to the file's contents as a string.`;
const Q2 = "And line by line? Put an example in read-lines.mjs.";
const A2 = "Use the \`readline\` module:|\n\n1. open a stream with \`createReadStream\`\n2. |iterate \`rl\` with \`for await\`";
const EXAMPLE = [
  'import { createReadStream } from "node:fs"',
  'import { createInterface } from "node:readline"',
  'for await (const line of createInterface({ input: createReadStream("notes.txt") })) console.log(line)',
].join("\n");
const SCRIPT = {
  [Q1]: `[[tool:Read]][[reply:${A1}]][[delay:60]]`,
  [Q2]: `[[write:read-lines.mjs=${EXAMPLE}]][[reply:${A2}]][[delay:60]]`,
};

beforeAll(async () => {
  if (skip) return;
  gw = await GatewayProcess.start({
    env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_CLI_ENV: "FAKE_CLAUDE_SCRIPT", FAKE_CLAUDE_SCRIPT: JSON.stringify(SCRIPT) },
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

/** A page with the key saved, and every dialog it opens recorded (and dismissed). */
async function openPage() {
  const opened = await localPage(browser);
  const dialogs: string[] = [];
  opened.page.on("dialog", (d) => (dialogs.push(d.message()), void d.dismiss()));
  await opened.page.goto(`${gw.url}/`);
  await opened.page.fill("#api-key", API_KEY);
  await opened.page.click("#key-form button[type=submit]");
  return { ...opened, dialogs };
}

/** Sends a message and waits for its turn (the `n`th, from 1) to end; returns that turn's job id. */
async function send(page: Page, prompt: string, n: number): Promise<string> {
  await page.fill("#conv-prompt", prompt);
  await page.click("#conv-send");
  const turn = page.locator("#conv-turns .turn").nth(n - 1);
  // This message's turn (a fork's page replaces the previous turns only once the job is created).
  const status = async () => ((await turn.count()) && (await turn.locator(".bubble.user").textContent()) === prompt ? turn.locator(".pill").getAttribute("data-status") : "not shown");
  await expect.poll(status, { timeout: 30_000 }).toMatch(/completed|failed|cancelled/);
  expect(await turn.locator(".pill").getAttribute("data-status")).toBe("completed");
  return (await turn.getAttribute("data-job-id"))!;
}

const turn = (page: Page, n: number) => page.locator("#conv-turns .turn").nth(n - 1);

describe.skipIf(skip)("the conversation view", () => {
  it("shows two turns of one session as a chat, answers as Markdown with code blocks, tool calls folded", async () => {
    const { page, external, errors, cspViolations } = await openPage();
    const first = await send(page, Q1, 1);
    const second = await send(page, Q2, 2);

    const sessionId = (await gw.json("GET", `/api/v1/jobs/${first}`)).body.session_id;
    const session = (await gw.json("GET", `/api/v1/sessions/${sessionId}`)).body;
    expect(session.turns.map((t: { job_id: string }) => t.job_id)).toEqual([first, second]);
    await expect.poll(() => page.inputValue("#conv-session")).toBe(sessionId);

    for (const check of ["as sent", "reopened from the session list"]) {
      expect(await turn(page, 1).locator(".bubble.user").textContent(), check).toBe(Q1);
      expect(await turn(page, 2).locator(".bubble.user").textContent(), check).toBe(Q2);
      const answer = turn(page, 1).locator(".markdown");
      expect(await answer.locator("pre > code.language-js").textContent(), check).toBe(`${CODE}\n`);
      expect(await answer.locator("strong > code").textContent(), check).toBe("readFile");
      expect(await turn(page, 2).locator(".markdown ol > li").allTextContents(), check).toEqual(["open a stream with createReadStream", "iterate rl with for await"]);
      // The tool call is folded: its name on the summary, its input and output inside, closed until clicked.
      const tool = turn(page, 1).locator("details.tool");
      expect(await tool.count(), check).toBe(1);
      expect(await tool.evaluate((d: HTMLDetailsElement) => d.open), check).toBe(false);
      expect(await tool.locator("summary").textContent(), check).toBe("Tool call Read");
      expect(await tool.locator(".tool-output").textContent(), check).toBe("output of Read");
      expect(await tool.locator(".tool-output").isVisible(), check).toBe(false);
      expect(await turn(page, 2).locator("details.tool").count(), check).toBe(0);
      // The second turn's CLI wrote a file: the files panel shows it once the turn has ended.
      await expect.poll(() => page.locator("#files-rows tr[data-path]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-path")))).toEqual(["read-lines.mjs"]);
      if (check === "as sent") {
        await tool.locator("summary").click();
        expect(await tool.locator(".tool-input").textContent()).toBe(JSON.stringify({ path: "x" }, null, 2));
        await tool.locator("summary").click();
        await screenshot(page.locator("#conversation"), "playground-conversation");
        // Open the session afresh: the turns are replayed from their stored events.
        await page.reload();
        await expect.poll(() => page.locator(`#conv-session option[value="${sessionId}"]`).count()).toBe(1);
        await page.selectOption("#conv-session", sessionId);
        await expect.poll(() => page.locator("#conv-turns .turn .pill[data-status=completed]").count()).toBe(2);
        await expect.poll(() => turn(page, 2).locator(".markdown ol").count()).toBe(1);
      }
    }
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("shows HTML in an answer as text: no script runs, no element is made from it", async () => {
    const { page, errors, cspViolations, dialogs } = await openPage();
    const hostile = [
      "<script>alert('script')</script>",
      '<img src="nope.png" onerror="alert(\'img\')">',
      "[click](javascript:alert('link'))",
      "![pic](nope.png)",
      '<a href="x" onclick="alert(\'a\')">raw link</a>',
      "```html\n<b>in a block</b>\n```",
    ].join("\n\n");
    await send(page, `[[reply:${hostile}]] hostile`, 1);
    const answer = turn(page, 1).locator(".markdown");
    expect(await answer.locator("script, img, [onerror], [onclick], b, a[href^='javascript']").count()).toBe(0);
    const text = (await answer.textContent())!;
    for (const literal of ["<script>alert('script')</script>", '<img src="nope.png" onerror="alert(\'img\')">', "<b>in a block</b>"]) {
      expect(text).toContain(literal);
    }
    expect(await answer.locator("pre > code").textContent()).toBe("<b>in a block</b>\n");
    // A Markdown image is a link to it (nothing is fetched); the javascript: link is left as text.
    expect(await answer.locator('a[href="nope.png"]').textContent()).toBe("pic");
    expect(await page.evaluate(() => document.querySelectorAll("img").length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("lists the session's files, uploads one and downloads it with the same bytes, next to one the CLI wrote", async () => {
    const { page, errors, cspViolations } = await openPage();
    expect(await page.isVisible("#files")).toBe(false); // no session yet
    await send(page, "[[write:out/summary.md=# Summary]] files-1", 1);
    await expect.poll(() => page.locator("#files-rows tr[data-path]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-path")))).toEqual(["out/summary.md"]);

    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)); // every byte value, not valid UTF-8
    await page.setInputFiles("#file-upload", { name: "data.bin", mimeType: "application/octet-stream", buffer: bytes });
    await expect.poll(() => page.locator('#files-rows tr[data-path="data.bin"]').count()).toBe(1);
    expect(await page.textContent("#files-total")).toBe("2 files, 265 B");

    for (const [path, expected] of [["data.bin", bytes], ["out/summary.md", Buffer.from("# Summary")]] as const) {
      const download = page.waitForEvent("download");
      await page.locator(`#files-rows tr[data-path="${path}"]`).getByRole("button", { name: "Download" }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe(path.split("/").at(-1));
      expect(readFileSync((await file.path())!).equals(expected)).toBe(true);
    }
    // The next turn's CLI finds the upload in its working directory.
    const next = await send(page, "[[ls]] files-2", 2);
    expect((await gw.json("GET", `/api/v1/jobs/${next}`)).body.result).toBe("data.bin:256 out/summary.md:9");
    expect(errors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("shows structured output as formatted JSON", async () => {
    const { page, errors, cspViolations } = await openPage();
    await page.click("#conv-form details summary");
    await page.fill("#conv-schema", JSON.stringify({ type: "object", properties: { answer: { type: "integer" } }, required: ["answer"] }));
    const jobId = await send(page, '[[structured:{"answer": 42, "why": ["six", "seven"]}]] structured-1', 1);
    expect((await gw.json("GET", `/api/v1/jobs/${jobId}`)).body.json_schema).toMatchObject({ type: "object" });
    expect(await turn(page, 1).locator("pre.structured").textContent()).toBe(JSON.stringify({ answer: 42, why: ["six", "seven"] }, null, 2));
    expect(await turn(page, 1).locator(".markdown").isVisible()).toBe(false);
    expect(await turn(page, 1).locator(".tag").textContent()).toBe("JSON schema");

    await page.fill("#conv-schema", "{not json");
    await page.fill("#conv-prompt", "again");
    await page.click("#conv-send");
    await expect.poll(() => page.textContent("#conv-notice")).toBe('The JSON schema must be JSON, e.g. {"type": "object"}.');
    expect(await page.locator("#conv-turns .turn").count()).toBe(1);
    expect(errors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("folds tool calls in the answer panel too (the stream's tool_use and tool_result events)", async () => {
    const { page, errors } = await openPage();
    await page.fill("#prompt", "[[tool:failGrep]] run-tools");
    await page.click("#submit");
    await page.waitForSelector('#run-status[data-status="completed"]');
    // The fake CLI's call of a tool named fail… comes back as an error, marked as such.
    const tool = page.locator("#run-tools details.tool");
    expect(await tool.count()).toBe(1);
    expect(await tool.locator("summary").textContent()).toBe("Tool call failGrep");
    expect(await tool.getAttribute("data-error")).toBe("true");
    expect(await tool.locator(".tool-output").textContent()).toBe("output of failGrep");
    expect(await tool.evaluate((d: HTMLDetailsElement) => d.open)).toBe(false);
    expect(errors).toEqual([]);
  });

  it("forks a session: the next message starts a new session branched from it", async () => {
    const { page } = await openPage();
    const first = await send(page, "[[reply:trunk]] fork-1", 1);
    const parent = (await gw.json("GET", `/api/v1/jobs/${first}`)).body.session_id;
    await page.click("#conv-fork");
    expect(await page.textContent("#conv-send")).toBe("Send as a fork");
    const forked = await send(page, "[[reply:branch]] fork-2", 1);

    const job = (await gw.json("GET", `/api/v1/jobs/${forked}`)).body;
    expect(job.fork).toBe(true);
    expect(job.session_id).not.toBe(parent);
    expect((await gw.json("GET", `/api/v1/sessions/${job.session_id}`)).body.parent_session_id).toBe(parent);
    await expect.poll(() => page.inputValue("#conv-session")).toBe(job.session_id);
    expect(await page.textContent("#conv-origin")).toBe(`Forked from session ${parent.slice(0, 8)}: this branch's turns follow.`);
    expect(await page.locator("#conv-turns .turn").count()).toBe(1);
    expect(await turn(page, 1).locator(".tag").textContent()).toBe("fork");
    expect(await page.textContent("#conv-send")).toBe("Send");
    // The parent is one click away and still has only its own turn.
    await page.click("#conv-origin button");
    await expect.poll(() => page.inputValue("#conv-session")).toBe(parent);
    await expect.poll(() => page.locator("#conv-turns .turn").count()).toBe(1);
    expect(await turn(page, 1).getAttribute("data-job-id")).toBe(first);
  });
});
