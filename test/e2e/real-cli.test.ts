// The real pinned `claude` binary, driven by the built gateway, against the suite's fake Messages API.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { GatewayProcess, waitUntil } from "../support/gateway-process";
import { liveRuns } from "../support/processes";

let fake: FakeAnthropic;
let gw: GatewayProcess;
// The gateway's (and so, unless it says otherwise, its CLIs') temporary directory, to see what runs leave there.
const gatewayTmp = mkdtempSync(join(tmpdir(), "cg-real-cli-tmp-"));

beforeAll(async () => {
  fake = await startFakeAnthropic();
  gw = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2", TMPDIR: gatewayTmp } });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
  rmSync(gatewayTmp, { recursive: true, force: true });
});

const mainRequestFor = (marker: string) => fake.requests.find((r) => r.kind === "main" && r.prompt.includes(marker));

describe("jobs run by the real CLI", () => {
  it("completes a job that a client polls, with the CLI's usage figures", async () => {
    const job = await gw.submit({ prompt: "[[reply:Hello |from |the fake]] poll-1" });
    expect(job.status).toBe("queued");
    const done = await gw.waitJob(job.job_id);
    expect(done).toMatchObject({ status: "completed", result: "Hello from the fake", attempts: 1, num_turns: 1 });
    expect(done.started_at).toBeDefined();
    expect(done.completed_at).toBeDefined();
    expect(typeof done.session_id).toBe("string");
    expect(done.usage).toHaveProperty("output_tokens");
  });

  it("streams token-level chunks over SSE whose concatenation is the result", async () => {
    const job = await gw.submit({ prompt: "[[chunks:8]][[delay:40]] sse-1" });
    const events = await gw.sse(job.job_id);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("status");
    expect(names.at(-1)).toBe("result");
    const chunks = events.filter((e) => e.event === "chunk").map((e) => JSON.parse(e.data).text);
    expect(chunks.length).toBe(8);
    const result = JSON.parse(events.at(-1)!.data);
    expect(result).toEqual({ job_id: job.job_id, status: "completed", result: chunks.join(""), error: "" });
    expect((await gw.waitJob(job.job_id)).result).toBe(chunks.join(""));
  });

  it("passes the model alias and the composed system prompt to the API", async () => {
    const job = await gw.submit({ prompt: "model-check-1", model: "sonnet", system_prompt: "Answer like a pirate." });
    await gw.waitJob(job.job_id);
    const req = mainRequestFor("model-check-1")!;
    expect(req.model).toMatch(/sonnet/);
    expect(req.system).toContain("You are operating in a sandboxed API environment");
    expect(req.system).toContain("Answer like a pirate.");
  });

  it("fails an API error with a machine-readable error_code, though the CLI reports it as a 'success' result", async () => {
    const job = await gw.submit({ prompt: "[[status:400]] api-error-1" });
    const done = await gw.waitJob(job.job_id);
    expect(done).toMatchObject({ status: "failed", error_code: "api_error" });
    expect(done.error).toContain("API Error: 400");
    expect(done.result).toBeUndefined();
  });

  it("strips code fences in json mode, and fails invalid_json (keeping the text) when it is not JSON", async () => {
    const ok = await gw.submit({ prompt: '[[reply:```json\n{"answer": 42}\n```]] json-1', response_format: "json" });
    expect(await gw.waitJob(ok.job_id)).toMatchObject({ status: "completed", result: '{"answer": 42}' });
    const bad = await gw.submit({ prompt: "[[reply:not json at all]] json-2", response_format: "json" });
    expect(await gw.waitJob(bad.job_id)).toMatchObject({ status: "failed", error_code: "invalid_json", result: "not json at all" });
    expect(mainRequestFor("json-1")!.system).toContain("RAW JSON only");
  });

  it("runs a json_schema job with --json-schema: the result is the structured output, none fails it", async () => {
    const schema = { type: "object", properties: { answer: { type: "integer" } }, required: ["answer"] };
    const ok = await gw.submit({ prompt: '[[structured:{"answer": 42}]] schema-1', json_schema: schema });
    expect(ok.json_schema).toEqual(schema);
    expect(await gw.waitJob(ok.job_id)).toMatchObject({ status: "completed", result: '{"answer":42}', json_schema: schema });
    // The only tool the model may call; 2.1.332 also lists a `defer_loading` placeholder it must never call.
    const callable = mainRequestFor("schema-1")!.body.tools.filter((t: { defer_loading?: boolean }) => t.defer_loading !== true);
    expect(callable.map((t: { name: string }) => t.name)).toEqual(["StructuredOutput"]);
    const none = await gw.submit({ prompt: "[[reply:forty two]] schema-2", json_schema: schema });
    expect(await gw.waitJob(none.job_id)).toMatchObject({ status: "failed", error_code: "invalid_json", error: "the CLI returned no structured output for json_schema" });
    expect((await gw.json("POST", "/api/v1/jobs", { prompt: "x", json_schema: [1] })).body).toEqual({ error: "json_schema must be a JSON Schema object" });
  });

  it("sends a 200 KB prompt and a prompt that looks like a flag through stdin, untouched", async () => {
    const big = "big-prompt-1 " + "lorem ipsum ".repeat(200_000 / 12);
    const a = await gw.submit({ prompt: big });
    const b = await gw.submit({ prompt: "--help" });
    expect(await gw.waitJob(a.job_id)).toMatchObject({ status: "completed" });
    expect(await gw.waitJob(b.job_id)).toMatchObject({ status: "completed" });
    expect(mainRequestFor("big-prompt-1")!.prompt).toBe(big);
    expect(fake.requests.some((r) => r.kind === "main" && r.prompt === "--help")).toBe(true);
  });

  it("never runs more CLI processes than CLAUDEGATE_CONCURRENCY", async () => {
    const jobs = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => gw.submit({ prompt: `[[chunks:4]][[delay:150]] conc-${i}` })),
    );
    const ids = jobs.map((j) => j.job_id);
    let peak = 0;
    await waitUntil(async () => {
      peak = Math.max(peak, liveRuns(ids));
      const states = await Promise.all(ids.map((id) => gw.json("GET", `/api/v1/jobs/${id}`)));
      return states.every((s) => s.body.status === "completed");
    }, 60_000, "all concurrent jobs to complete");
    expect(peak).toBe(2);
  });

  it("leaves nothing in the temporary directory once its runs are over", async () => {
    // 2.1.332 leaves $TMPDIR/claude-<uid>/fswatch-probe-* behind after every run: the worker gives each run its own.
    const job = await gw.submit({ prompt: "[[reply:ok]] tmp-1" });
    expect(await gw.waitJob(job.job_id)).toMatchObject({ status: "completed" });
    // A recursive listing taken while a run's folder is being removed fails (ENOENT): that is "not yet".
    const listing = () => {
      try {
        return readdirSync(gatewayTmp, { recursive: true }).map(String);
      } catch {
        return undefined;
      }
    };
    let left: string[] = [];
    await waitUntil(() => {
      const now = listing();
      if (now) left = now;
      return now?.length === 0;
    }, 10_000, "the runs' temporary files to go").catch(() => {});
    expect(left).toEqual([]);
  });
});
