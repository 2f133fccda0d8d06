// The PostgreSQL side of the one SQL text: `?` and `@name` placeholders become numbered ones, and the
// parameters are handed to pg in that order (checked against a pool double that records what it is asked).
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { pgSql, translate } from "../../../../runtime/store/sql/pg-sql";

describe("translate", () => {
  it("numbers positional placeholders in order", () => {
    expect(translate("SELECT * FROM jobs WHERE id = ? AND owner = ? LIMIT ?")).toEqual({
      text: "SELECT * FROM jobs WHERE id = $1 AND owner = $2 LIMIT $3",
    });
  });

  it("gives each distinct name one number, in order of first use, and reuses it", () => {
    expect(translate("UPDATE jobs SET started_at = @now, lease = @now + @leaseMs WHERE owner = @owner AND at < @now")).toEqual({
      text: "UPDATE jobs SET started_at = $1, lease = $1 + $2 WHERE owner = $3 AND at < $1",
      names: ["now", "leaseMs", "owner"],
    });
  });

  it("takes a whole name (letters, digits, underscores), not a prefix of it", () => {
    expect(translate("SELECT @a, @a_b, @ab2, @a")).toEqual({ text: "SELECT $1, $2, $3, $1", names: ["a", "a_b", "ab2"] });
  });

  it("leaves a text without placeholders as it is", () => {
    expect(translate("SELECT 1")).toEqual({ text: "SELECT 1" });
  });

  it("translates a text once and hands back the same translation", () => {
    const text = "SELECT ? + ? AS once";
    expect(translate(text)).toBe(translate(text));
  });
});

/** A pool double: records each query and answers with `rows`. */
function recordingPool(rows: Record<string, unknown>[] = [], rowCount = rows.length) {
  const calls: { text: string; values: unknown[] }[] = [];
  const pool = {
    query: async (text: string, values: unknown[]) => {
      calls.push({ text, values });
      return { rows, rowCount };
    },
  } as unknown as pg.Pool;
  return { sql: pgSql(pool), calls };
}

describe("pgSql", () => {
  it("hands named parameters in the order of their numbers, each once, as driver values", async () => {
    const { sql, calls } = recordingPool([], 2);
    const n = await sql.run("UPDATE t SET a = @flag, b = @missing WHERE c = @id OR d = @flag", { id: "x", flag: true, missing: undefined, unused: 5 });
    expect(n).toBe(2);
    expect(calls).toEqual([{ text: "UPDATE t SET a = $1, b = $2 WHERE c = $3 OR d = $1", values: [1, null, "x"] }]);
  });

  it("hands positional parameters as driver values", async () => {
    const { sql, calls } = recordingPool();
    await sql.all("SELECT * FROM t WHERE a = ? AND b = ? AND c = ?", [false, undefined, "s"]);
    expect(calls).toEqual([{ text: "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3", values: [0, null, "s"] }]);
  });

  it("refuses a named parameter the statement uses but the call does not give", async () => {
    const { sql, calls } = recordingPool();
    await expect(sql.run("DELETE FROM t WHERE id = @id", { other: 1 })).rejects.toThrow("missing SQL parameter @id");
    expect(calls).toEqual([]);
  });

  it("answers get, value and all from the rows", async () => {
    const { sql } = recordingPool([{ n: 7, m: 8 }, { n: 9, m: 10 }]);
    expect(await sql.all("SELECT n, m FROM t")).toEqual([{ n: 7, m: 8 }, { n: 9, m: 10 }]);
    expect(await sql.get("SELECT n, m FROM t")).toEqual({ n: 7, m: 8 });
    expect(await sql.value("SELECT n, m FROM t")).toBe(7);
    const empty = recordingPool([]).sql;
    expect(await empty.get("SELECT n FROM t")).toBeUndefined();
    expect(await empty.value("SELECT n FROM t")).toBeUndefined();
  });
});
