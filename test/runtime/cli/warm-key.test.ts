// Which jobs a warm CLI process can serve: the key is the run's configuration without its prompt and run marker.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../runtime/config";
import type { Job } from "../../../runtime/job/job";
import { buildRunSpec, defaultRunSpec } from "../../../runtime/cli/run-spec";
import { warmKey, warmMarkerPrefix, warmTemplate } from "../../../runtime/cli/warm-key";
import { JOB_MARKER_VAR } from "../../../runtime/cli/env";

const config = loadConfig({ CLAUDEGATE_API_KEYS: "k", CLAUDEGATE_DB_PATH: "/tmp/x.db", CLAUDEGATE_CLAUDE_PATH: "/bin/true" });
const env = { PATH: "/usr/bin", HOME: "/home/op" };
const job = (o: Partial<Job> = {}): Job =>
  ({ id: "j1", prompt: "hi", systemPrompt: "", model: config.defaultModel, responseFormat: "", fork: false, sessionId: "s1", ...o }) as Job;
const spec = (o: Partial<Job> = {}) => buildRunSpec(job(o), config, undefined, [], env);

describe("warm key", () => {
  it("is the same for jobs that differ only in id and prompt, and equals the default configuration's", () => {
    const k = warmKey(spec());
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(warmKey(spec({ id: "j2", prompt: "something else entirely" }))).toBe(k);
    expect(warmKey(buildRunSpec(job(), config, undefined, [], env))).toBe(warmKey(defaultRunSpec(config, env)));
  });

  it("differs with the model, the system prompt, json mode or a json schema", () => {
    const k = warmKey(spec());
    for (const o of [{ model: "sonnet" }, { systemPrompt: "be a pirate" }, { responseFormat: "json" }, { jsonSchema: '{"type":"object"}' }] as Partial<Job>[]) {
      expect(warmKey(spec(o))).not.toBe(k);
    }
  });

  it("is none for a resumed session or a run with workspace files: those start cold", () => {
    expect(warmKey(buildRunSpec(job(), config, { cliSessionId: "c", data: new Uint8Array() } as never, [], env))).toBeUndefined();
    expect(warmKey(buildRunSpec(job(), config, undefined, [{ path: "a.txt", data: new Uint8Array() }] as never, env))).toBeUndefined();
  });

  it("templates a warm process: stream-json input, a warm marker, no prompt", () => {
    const t = warmTemplate(spec(), "warm-1");
    expect(t.argv.slice(-2)).toEqual(["--input-format", "stream-json"]);
    expect(t.env[JOB_MARKER_VAR]).toBe("warm-1");
    expect(t.stdin).toBe("");
  });

  it("tags warm markers by database, so gateways on other databases never reap each other's", () => {
    expect(warmMarkerPrefix("/srv/a/claudegate.db")).toMatch(/^warm-[0-9a-f]{12}-$/);
    expect(warmMarkerPrefix("/srv/a/claudegate.db")).toBe(warmMarkerPrefix("/srv/a/../a/claudegate.db"));
    expect(warmMarkerPrefix("/srv/a/claudegate.db")).not.toBe(warmMarkerPrefix("/srv/b/claudegate.db"));
  });
});
