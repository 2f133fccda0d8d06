// Where the CLI binary is: CLAUDEGATE_CLAUDE_PATH if set, else `claude` on PATH, else the copy this project
// installs as an npm dependency (so `npm install && npm start` works on a machine with no global CLI).
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The CLI installed as this project's dependency, found from the working directory or the server's files. */
function bundledCli(): string | undefined {
  for (const from of [join(process.cwd(), "package.json"), process.argv[1]]) {
    if (!from) continue;
    try {
      const pkg = createRequire(from).resolve("@anthropic-ai/claude-code/package.json");
      const bin = join(dirname(pkg), "bin", "claude.exe");
      if (isExecutable(bin)) return bin;
    } catch {
      /* not installed there */
    }
  }
  return undefined;
}

export function resolveClaudePath(configured: string | undefined, pathVar = process.env.PATH): string {
  if (configured) return configured;
  return findOnPath("claude", pathVar) ?? bundledCli() ?? "claude";
}

export function cliExists(path: string): boolean {
  return path.includes("/") ? isExecutable(path) : findOnPath(path, process.env.PATH) !== undefined;
}
