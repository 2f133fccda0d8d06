// The README's tables of a job's enumerations are prose copies of runtime/job/job.ts: they must list exactly its
// values, in its order, so a value added to the runtime is documented (or the test names it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../../runtime/job/job";
import { ROOT } from "../../support/gateway-process";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

/** The first column's `code` of each row of the table that follows `heading` in the README. */
function firstColumn(heading: string): string[] {
  const start = readme.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const lines = readme.slice(start + heading.length).split("\n");
  const first = lines.findIndex((line) => line.startsWith("|"));
  const table = lines.slice(first, lines.findIndex((line, i) => i > first && !line.startsWith("|")));
  return table.slice(2).map((row) => /^\| `([^`]+)` \|/.exec(row)?.[1] ?? row); // after the header and |---|
}

describe("the README", () => {
  it("documents every error_code, in the runtime's order", () => {
    expect(firstColumn("`error_code` values:")).toEqual([...ERROR_CODES]);
  });
});
