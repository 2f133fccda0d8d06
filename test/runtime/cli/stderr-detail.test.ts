// What of the CLI's stderr a job's `error` may carry: the CLI's own message, capped, nothing of the host.
import { describe, expect, it } from "vitest";
import { MAX_DETAIL_CHARS, cliErrorDetail } from "../../../runtime/cli/stderr-detail";

describe("cliErrorDetail", () => {
  it("keeps the message and drops stack frames, source locations and quoted source", () => {
    const stderr = [
      "file:///home/deploy/app/cli.js:12",
      "    const x = y.z;",
      "              ^",
      "TypeError: Cannot read properties of undefined (reading 'z')",
      "    at parse (/home/deploy/app/cli.js:12:15)",
      "    at file:///home/deploy/app/cli.js:40:3",
      "    at node:internal/main/run_main_module:28:49",
      "",
    ].join("\n");
    expect(cliErrorDetail(stderr)).toBe("TypeError: Cannot read properties of undefined (reading 'z')");
  });

  it("replaces absolute paths and file: URLs, and leaves URLs and relative paths alone", () => {
    expect(cliErrorDetail("Error: EACCES: permission denied, open '/root/.claude/settings.json'")).toBe(
      "Error: EACCES: permission denied, open '<path>'",
    );
    expect(cliErrorDetail("cannot load file:///opt/claude/plugin.mjs")).toBe("cannot load <path>");
    expect(cliErrorDetail("API at https://api.example.com/v1/messages failed for src/app.ts")).toBe(
      "API at https://api.example.com/v1/messages failed for src/app.ts",
    );
  });

  it("keeps the last three message lines, without terminal escapes or control characters", () => {
    expect(cliErrorDetail("one\ntwo\n\x1b[31mthree\x1b[0m\nfour\x07\n")).toBe("two\nthree\nfour");
  });

  it("caps the text", () => {
    const detail = cliErrorDetail(`Error: ${"x".repeat(5000)}`);
    expect(detail).toHaveLength(MAX_DETAIL_CHARS);
    expect(detail.endsWith("…")).toBe(true);
  });

  it("is empty for stderr with nothing but frames and blank lines", () => {
    expect(cliErrorDetail("\n    at a (/x/y.js:1:1)\n\n")).toBe("");
  });
});
