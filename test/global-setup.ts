// Builds the server once before the suite: the end-to-end tests drive .output/server/index.mjs as a process.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

export default function setup() {
  const root = resolve(import.meta.dirname, "..");
  const r = spawnSync(process.execPath, [join(root, "node_modules/nitropack/dist/cli/index.mjs"), "build"], {
    cwd: root,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`nitro build failed:\n${r.stdout}\n${r.stderr}`);
}
