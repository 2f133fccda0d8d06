// The CLI's output: lines of any length, split anywhere, classified by the result line rather than the exit code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LineSplitter } from "../../../runtime/cli/line-splitter";
import { outcomeFromExit, outcomeFromResult } from "../../../runtime/cli/outcome";
import { parseCliLine, type ResultLine } from "../../../runtime/cli/stream-parser";
import { stripCodeFences } from "../../../runtime/cli/json-result";

// Real captures of CLI 2.1.197 (kept in test/fixtures) and 2.1.332 (from docs/captures, made by
// scripts/cli-captures.mjs): the parser must read the pinned version and the one before it alike.
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");

describe("LineSplitter", () => {
  it("keeps a multi-byte character that a read splits in two, and lines of any length", () => {
    const s = new LineSplitter();
    const text = "héllo " + "x".repeat(200_000) + "\nnext\n";
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from("é")) + 1; // in the middle of the two bytes of "é"
    const lines = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut))];
    expect(lines).toEqual(["héllo " + "x".repeat(200_000), "next"]);
    expect(s.end()).toBeUndefined();
  });

  it("returns an unterminated last line at the end", () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from("a\nb"))).toEqual(["a"]);
    expect(s.pending).toBe(1);
    expect(s.end()).toBe("b");
  });
});

describe.each(["2.1.197", "2.1.332"])("parseCliLine on a real capture of %s", (version) => {
  const lines = fixture(`cli-${version}-stream-json-sample.jsonl`).trim().split("\n").map(parseCliLine);

  it("yields the token deltas, the whole assistant message and the result", () => {
    const deltas = lines.filter((l) => l.kind === "text").map((l) => (l as { text: string }).text);
    expect(deltas.length).toBe(3);
    const assistant = lines.find((l) => l.kind === "assistant") as { text: string };
    const result = lines.find((l) => l.kind === "result") as { result: ResultLine };
    expect(deltas.join("")).toBe(assistant.text);
    expect(result.result).toMatchObject({ subtype: "success", isError: false, result: assistant.text, numTurns: 1, terminalReason: "completed" });
    expect(outcomeFromResult(result.result, { json: false })).toMatchObject({ status: "completed", result: assistant.text });
  });
});

describe("parseCliLine on 2.1.332 captures of an API error and a json_schema run", () => {
  const linesOf = (name: string) => fixture(name).trim().split("\n").map(parseCliLine);
  const resultOf = (name: string) => (linesOf(name).find((l) => l.kind === "result") as { result: ResultLine }).result;

  it("fails the 400 (exit 1, subtype success, is_error true, terminal_reason api_error) as api_error", () => {
    const r = resultOf("cli-2.1.332-api-error-400.jsonl");
    expect(r).toMatchObject({ subtype: "success", isError: true, apiErrorStatus: 400, terminalReason: "api_error" });
    expect(outcomeFromResult(r, { json: false })).toMatchObject({ status: "failed", errorCode: "api_error", error: "API Error: 400 fake error 400", result: "" });
  });

  it("takes the StructuredOutput tool's input as the answer", () => {
    const lines = linesOf("cli-2.1.332-json-schema.jsonl");
    expect(lines.filter((l) => l.kind === "assistant").flatMap((l) => (l as { tools: { name: string }[] }).tools.map((t) => t.name))).toEqual(["StructuredOutput"]);
    const r = resultOf("cli-2.1.332-json-schema.jsonl");
    expect(r.structuredOutput).toEqual({ n: 42 });
    expect(outcomeFromResult(r, { json: false, structured: true })).toMatchObject({ status: "completed", result: '{"n":42}' });
  });
});

describe("parseCliLine on made-up lines", () => {
  it("reports the tools an assistant message uses", () => {
    const line = JSON.stringify({ type: "assistant", message: { content: [{ type: "text", text: "Let me look." }, { type: "tool_use", id: "toolu_1", name: "Read", input: {} }] } });
    expect(parseCliLine(line)).toEqual({ kind: "assistant", text: "Let me look.", tools: [{ name: "Read", id: "toolu_1", input: "{}" }] });
  });

  it("ignores what is not a JSON object with a type", () => {
    for (const l of ["", "garbage", "{not json", "[1,2]", '{"no":"type"}', "null"]) expect(parseCliLine(l).kind).toBe("other");
  });
});

describe("outcomeFromResult", () => {
  it("fails the captured API error (exit 1, subtype success, is_error true) as api_error", () => {
    const parsed = parseCliLine(fixture("cli-2.1.197-result-api-error-400.json").trim());
    expect(parsed.kind).toBe("result");
    const o = outcomeFromResult((parsed as { result: ResultLine }).result, { json: false });
    expect(o).toMatchObject({ status: "failed", errorCode: "api_error", error: "API Error: 400 fake error 400", result: "" });
  });

  const base: ResultLine = { subtype: "success", isError: false, apiErrorStatus: null, terminalReason: "completed", result: "ok" };
  it.each([
    [{ isError: true, result: "Not logged in · Please run /login" }, "auth_required"],
    [{ isError: true, apiErrorStatus: 401, result: "Failed to authenticate. API Error: 401" }, "auth_required"],
    [{ isError: true, apiErrorStatus: 529, result: "API Error: 529 overloaded" }, "api_error"],
    [{ subtype: "error_max_turns", result: "" }, "cli_error"],
    [{ subtype: "error_during_execution", isError: true, result: "boom" }, "cli_error"],
  ])("classifies %j as %s", (over, code) => {
    expect(outcomeFromResult({ ...base, ...over }, { json: false })).toMatchObject({ status: "failed", errorCode: code });
  });

  it("strips fences in json mode and refuses what still is not JSON", () => {
    expect(outcomeFromResult({ ...base, result: '```json\n{"a":1}\n```\n' }, { json: true })).toMatchObject({ status: "completed", result: '{"a":1}' });
    expect(outcomeFromResult({ ...base, result: "sure! {a:1}" }, { json: true })).toMatchObject({ status: "failed", errorCode: "invalid_json", result: "sure! {a:1}" });
  });

  it("takes a json_schema run's answer from structured_output, and fails a run that has none", () => {
    const line = parseCliLine(JSON.stringify({ type: "result", subtype: "success", is_error: false, result: "{\"answer\":42}", structured_output: { answer: 42 } }));
    expect(outcomeFromResult((line as { result: ResultLine }).result, { json: false, structured: true })).toMatchObject({ status: "completed", result: '{"answer":42}' });
    expect(outcomeFromResult({ ...base, result: "forty two" }, { json: false, structured: true })).toEqual({
      status: "failed",
      result: "forty two",
      error: "the CLI returned no structured output for json_schema",
      errorCode: "invalid_json",
      stats: expect.any(Object),
    });
  });
});

describe("stripCodeFences (the original's cases)", () => {
  it.each([
    ['```json\n{"key":"value"}\n```', '{"key":"value"}'],
    ["```\n[1]\n```", "[1]"],
    ["  {}  ", "{}"],
    ['```json\n{"k":1}\n```\n', '{"k":1}'],
    ["", ""],
    ["```", ""],
  ])("%j → %j", (input, out) => expect(stripCodeFences(input)).toBe(out));
});

describe("outcomeFromExit", () => {
  it("names the exit status or signal and the stderr tail", () => {
    expect(outcomeFromExit(3, null, "boom").error).toBe("claude exited: exit status 3 — boom");
    expect(outcomeFromExit(null, "SIGSEGV", "").error).toBe("claude exited: signal SIGSEGV");
    expect(outcomeFromExit(0, null, "").error).toBe("claude exited without a result");
  });
});
