// Builds the server (.output) when it is missing or older than the sources: shared by `npm start` and the
// commands that run from the build (`npm run migrate-to-postgres`).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const serverEntry = join(root, ".output", "server", "index.mjs");
const SOURCES = ["handlers", "runtime", "workers", "ui", "nitro.config.ts", "package.json"];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), st.mtimeMs);
}

/** `buildOutput`: where the build's own output goes ("inherit" = stdout; 2 = stderr, for a command's clean stdout). */
export function buildIfStale(buildOutput = "inherit") {
  const built = existsSync(serverEntry) ? statSync(serverEntry).mtimeMs : 0;
  if (built >= Math.max(...SOURCES.map((s) => newestMtime(join(root, s))))) return;
  process.stderr.write(built ? "claudegate: sources changed, rebuilding...\n" : "claudegate: first start, building...\n");
  const r = spawnSync(process.execPath, [join(root, "node_modules", "nitropack", "dist", "cli", "index.mjs"), "build"], {
    cwd: root,
    stdio: ["ignore", buildOutput, "inherit"],
  });
  if (r.status !== 0) {
    process.stderr.write("claudegate: build failed\n");
    process.exit(r.status ?? 1);
  }
}
