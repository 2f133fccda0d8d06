// Values as both drivers take them: SQLite has no boolean and rejects undefined; both store booleans as 1/0.
import { describe, expect, it } from "vitest";
import { toDriverValue } from "../../../../runtime/store/sql/sql";

describe("toDriverValue", () => {
  it("turns undefined into NULL and booleans into 1 and 0", () => {
    expect(toDriverValue(undefined)).toBeNull();
    expect(toDriverValue(true)).toBe(1);
    expect(toDriverValue(false)).toBe(0);
  });

  it("leaves every other value as it is", () => {
    const buf = Buffer.from("x");
    expect(toDriverValue(buf)).toBe(buf);
    for (const v of [null, 0, 1, -2.5, "", "text", 2n ** 60n]) expect(toDriverValue(v)).toBe(v);
  });
});
