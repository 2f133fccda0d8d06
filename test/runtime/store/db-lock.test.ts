// The database lock within one process (SQLite tracks its file locks per inode, so a second connection here meets
// the lock as a second process would); the cross-process cases (refusal line, SIGKILL) are in e2e/hostile-storage.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DatabaseLockedError, lockDatabase } from "../../../runtime/store/db-lock";

const freshDb = () => join(mkdtempSync(join(tmpdir(), "cg-lock-")), "claudegate.db");

describe("lockDatabase", () => {
  it("refuses a second holder, naming the file and the first one's pid and host, until the first releases", () => {
    const file = freshDb();
    const first = lockDatabase(file);
    expect(JSON.parse(readFileSync(`${file}.lock.owner`, "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    let refusal: unknown;
    try {
      lockDatabase(file);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(DatabaseLockedError);
    expect((refusal as Error).message).toBe(
      `database ${file} is in use by another gateway (pid ${process.pid} on host ${hostname()}); not starting`,
    );
    first.release();
    lockDatabase(file).release();
  });

  it("is not blocked by the record of a holder that is gone", () => {
    const file = freshDb();
    writeFileSync(`${file}.lock.owner`, JSON.stringify({ pid: 999999, host: "elsewhere" }));
    const lock = lockDatabase(file);
    expect(JSON.parse(readFileSync(`${file}.lock.owner`, "utf8")).pid).toBe(process.pid);
    lock.release();
  });
});
