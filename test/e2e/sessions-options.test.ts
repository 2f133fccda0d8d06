// Agent options per job with the real pinned CLI against the fake Messages API: json_schema checked by the
// gateway (an invalid schema is a 400, output that does not match fails `schema_mismatch`), and the options the
// operator's policy does not allow refused with a 400 naming the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { FAKE_CLI, GatewayProcess } from "../support/gateway-process";

let fake: FakeAnthropic;
let gw: GatewayProcess;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  gw = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2" } });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});

const schema = { type: "object", properties: { answer: { type: "integer", minimum: 0 } }, required: ["answer"], additionalProperties: false };

describe("json_schema", () => {
  it("completes with output that validates; the real CLI itself refuses output that does not", async () => {
    const ok = await gw.submit({ prompt: '[[structured:{"answer": 42}]] opt-schema-ok', json_schema: schema });
    expect(await gw.waitJob(ok.job_id)).toMatchObject({ status: "completed", result: '{"answer":42}' });
    // The CLI validates the StructuredOutput tool's input, asks again, and ends without structured output.
    const bad = await gw.submit({ prompt: '[[structured:{"answer": -1}]] opt-schema-bad', json_schema: schema });
    expect(await gw.waitJob(bad.job_id)).toMatchObject({ status: "failed", error_code: "invalid_json" });
  });

  it("fails schema_mismatch when output that does not match reaches the gateway (a CLI that did not check it)", async () => {
    const scripted = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
    try {
      const bad = await scripted.submit({ prompt: '[[structured:{"answer": -1}]] opt-schema-unchecked', json_schema: schema });
      const failed = await scripted.waitJob(bad.job_id);
      expect(failed).toMatchObject({ status: "failed", error_code: "schema_mismatch" });
      expect(failed.error).toBe("structured output does not match json_schema: /answer must be >= 0");
      const ok = await scripted.submit({ prompt: '[[structured:{"answer": 1}]] opt-schema-fine', json_schema: schema });
      expect(await scripted.waitJob(ok.job_id)).toMatchObject({ status: "completed", result: '{"answer":1}' });
    } finally {
      await scripted.stop();
    }
  });

  it("refuses a schema that does not compile", async () => {
    const r = await gw.json("POST", "/api/v1/jobs", { prompt: "x", json_schema: { type: "nonsense" } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^json_schema is not a valid JSON Schema: /);
  });
});
