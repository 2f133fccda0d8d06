#!/usr/bin/env node
// `npm start`: builds the server when .output is missing or older than the sources, then runs it in this
// process (so SIGTERM and SIGINT reach the server directly).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, ".output", "server", "index.mjs");
const SOURCES = ["handlers", "runtime", "workers", "ui", "nitro.config.ts", "package.json"];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), st.mtimeMs);
}

const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
if (built < Math.max(...SOURCES.map((s) => newestMtime(join(root, s))))) {
  process.stderr.write(built ? "claudegate: sources changed, rebuilding...\n" : "claudegate: first start, building...\n");
  const r = spawnSync(process.execPath, [join(root, "node_modules", "nitropack", "dist", "cli", "index.mjs"), "build"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) {
    process.stderr.write("claudegate: build failed\n");
    process.exit(r.status ?? 1);
  }
}
await import(pathToFileURL(entry).href);
