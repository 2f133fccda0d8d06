import { describe, expect, it } from "vitest";
import { currentPeriod, nextUtcMidnight } from "../../../runtime/tenants/budget-period";

describe("budget periods (UTC)", () => {
  it("a day runs from its UTC midnight to the next", () => {
    const now = Date.parse("2026-03-31T23:59:59.999Z");
    expect(currentPeriod("day", now)).toEqual({ from: "2026-03-31", resetsAt: Date.parse("2026-04-01T00:00:00Z") });
    expect(currentPeriod("day", Date.parse("2026-04-01T00:00:00Z")).from).toBe("2026-04-01");
  });

  it("a month runs from its first day to the first of the next, across a year end", () => {
    expect(currentPeriod("month", Date.parse("2026-02-14T12:00:00Z"))).toEqual({ from: "2026-02-01", resetsAt: Date.parse("2026-03-01T00:00:00Z") });
    expect(currentPeriod("month", Date.parse("2026-12-31T22:00:00Z"))).toEqual({ from: "2026-12-01", resetsAt: Date.parse("2027-01-01T00:00:00Z") });
  });

  it("wakes at the next UTC midnight", () => {
    expect(nextUtcMidnight(Date.parse("2026-11-29T10:00:00+05:00"))).toBe(Date.parse("2026-11-30T00:00:00Z"));
  });
});
