// Workspace paths are confined, and reading a run's workspace back never follows a link or takes a special file.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { workspacePathError } from "../../../runtime/workspace/workspace-path";
import { capture, materialize } from "../../../runtime/workspace/run-workspace";

describe("workspace paths", () => {
  it.each(["a.txt", "docs/in put.txt", "a/b/c/d.md", ".hidden", "a..b", "ünï/☃.txt"])("takes %s", (p) => expect(workspacePathError(p)).toBeUndefined());
  it.each([
    ["", "path must not be empty"],
    ["..", "path must not contain . or .. segments"],
    ["a/../b", "path must not contain . or .. segments"],
    ["./a", "path must not contain . or .. segments"],
    ["/etc/passwd", "path must be relative (no leading /)"],
    ["a//b", "path must not contain empty segments (//, or a trailing /)"],
    ["a/", "path must not contain empty segments (//, or a trailing /)"],
    ["a\u0000b", "path must not contain NUL characters"],
    ["a\\..\\b", "path must use / as separator (no backslash)"],
    ["a\nb", "path must not contain control characters"],
    ["x".repeat(256), "each path segment must be at most 255 bytes"],
    [Array(33).fill("a").join("/"), "path must be at most 32 levels deep"],
  ])("refuses %j", (p, why) => expect(workspacePathError(p)).toBe(why));
});

describe("a run's workspace", () => {
  it("is written from the stored files and read back without links, special files or files past the limits", async () => {
    const root = mkdtempSync(join(tmpdir(), "cg-ws-"));
    const outside = mkdtempSync(join(tmpdir(), "cg-ws-outside-"));
    writeFileSync(join(outside, "secret"), "do not take");
    await materialize(root, [
      { path: "docs/a.txt", data: Buffer.from("aaa") },
      { path: "../escape", data: Buffer.from("never written") },
    ]);
    symlinkSync(join(outside, "secret"), join(root, "link-to-file"));
    symlinkSync(outside, join(root, "link-to-dir"));
    execFileSync("mkfifo", [join(root, "fifo")]);
    mkdirSync(join(root, "big"));
    writeFileSync(join(root, "big", "b.bin"), "x".repeat(11));
    writeFileSync(join(root, "c.txt"), "cc");
    const got = await capture(root, { maxFileBytes: 10, maxBytes: 4 });
    expect(got.files.map((f) => [f.path, Buffer.from(f.data).toString()])).toEqual([["c.txt", "cc"]]);
    expect(got.skipped).toEqual([
      { path: "big/b.bin", why: "larger than CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES (11 bytes)" },
      { path: "docs/a.txt", why: "past CLAUDEGATE_WORKSPACE_MAX_BYTES for the session" },
      { path: "fifo", why: "not a regular file" },
      { path: "link-to-dir", why: "a symbolic link (not followed)" },
      { path: "link-to-file", why: "a symbolic link (not followed)" },
    ]);
  });
});
