// The in-memory copy of shared rows (keys, the pause) must never go back to an older state than one it has shown.
import { describe, expect, it } from "vitest";
import { SharedCopy } from "../../../runtime/store/shared-copy";

/** A query whose answer the test gives when it chooses. */
function pending<T>() {
  let answer!: (v: T) => void;
  const query = () => new Promise<T>((r) => (answer = r));
  return { query, answer: (v: T) => answer(v) };
}

describe("SharedCopy", () => {
  it("applies only the newest of two overlapping reads, whichever order they end in", async () => {
    const copy = new SharedCopy();
    const applied: string[] = [];
    const older = pending<string>();
    const newer = pending<string>();
    const first = copy.read(older.query, (v) => applied.push(v));
    await Promise.resolve(); // let the first read begin
    const second = copy.read(newer.query, (v) => applied.push(v));
    await Promise.resolve();
    newer.answer("revoked");
    await second;
    older.answer("active");
    await first;
    expect(applied).toEqual(["revoked"]);
  });

  it("reads again, after the write, when a change made here overlapped the read", async () => {
    const copy = new SharedCopy();
    let row = "active";
    let reads = 0;
    let release!: () => void;
    const slowRead = new Promise<void>((r) => (release = r));
    const applied: string[] = [];
    const reading = copy.read(
      async () => {
        const seen = row;
        if (++reads === 1) await slowRead; // the first read took its snapshot before the change
        return seen;
      },
      (v) => applied.push(v),
    );
    let write!: () => void;
    const changing = copy.change(() => new Promise<void>((r) => (write = () => ((row = "revoked"), r()))));
    release();
    await Promise.resolve();
    write();
    await changing;
    await reading;
    expect(reads).toBe(2);
    expect(applied).toEqual(["revoked"]);
  });
});
