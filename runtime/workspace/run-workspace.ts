// A session's workspace on disk for one run: written into <run>/workspace before the CLI starts, read back
// after it exits. Reading back never follows a link: entries are lstat'ed, and anything that is not a plain
// file or folder (a symlink, wherever it points; a device, FIFO or socket) is skipped with a log line.
import { lstat, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { workspacePathError } from "./workspace-path";
import type { FileData, WorkspaceLimits } from "./workspace-store";

/** Writes the files under `root` (a new, empty folder). A path that is not a workspace path is skipped. */
export async function materialize(root: string, files: readonly FileData[]): Promise<void> {
  for (const f of files) {
    if (workspacePathError(f.path)) continue; // checked at upload; a stored one is never trusted blindly
    const file = join(root, ...f.path.split("/"));
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, f.data, { mode: 0o600, flag: "wx" });
  }
}

export interface Captured {
  files: FileData[];
  /** Paths left out, each with why. */
  skipped: { path: string; why: string }[];
}

/** Reads back every plain file under `root`, within the limits, without following links. */
export async function capture(root: string, limits: WorkspaceLimits): Promise<Captured> {
  const out: Captured = { files: [], skipped: [] };
  let total = 0;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const path = prefix ? `${prefix}/${name}` : name;
      const full = join(dir, name);
      const st = await lstat(full);
      if (st.isDirectory()) {
        await walk(full, path);
        continue;
      }
      if (!st.isFile()) {
        out.skipped.push({ path, why: st.isSymbolicLink() ? "a symbolic link (not followed)" : "not a regular file" });
        continue;
      }
      const bad = workspacePathError(path);
      if (bad) {
        out.skipped.push({ path, why: bad });
        continue;
      }
      if (st.size > limits.maxFileBytes) {
        out.skipped.push({ path, why: `larger than CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES (${st.size} bytes)` });
        continue;
      }
      if (total + st.size > limits.maxBytes) {
        out.skipped.push({ path, why: "past CLAUDEGATE_WORKSPACE_MAX_BYTES for the session" });
        continue;
      }
      total += st.size;
      out.files.push({ path, data: await readFile(full) });
    }
  };
  await walk(root, "");
  return out;
}
