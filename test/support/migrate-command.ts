// Runs the built `migrate-to-postgres` command (.output/server/commands/migrate-to-postgres.mjs) as a user would:
// a child process with a bare environment, its exit, stdout and stderr recorded.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { createPool } from "../../runtime/store/pg/pool";
import { ROOT } from "./gateway-process";

export const MIGRATE_COMMAND = join(ROOT, ".output/server/commands/migrate-to-postgres.mjs");

export interface CommandRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The last line written to stderr (what a refusal says). */
  lastLine: string | undefined;
}

/** `onStderr` sees the child and its stderr so far after each write (to kill it at a given point). */
export function runMigrate(
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  onStderr?: (child: ChildProcess, stderr: string) => void,
): Promise<CommandRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, MIGRATE_COMMAND, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => ((stderr += d), onStderr?.(child, stderr)));
  return new Promise((res) =>
    child.on("close", (code, signal) =>
      res({ code, signal, stdout, stderr, ms: Math.round(performance.now() - t0), lastLine: stderr.split("\n").at(-2) }),
    ),
  );
}

/** Temporary directories and pools a migration test makes, all removed by `cleanup()` (its afterAll). */
export function migrationScratch() {
  const pools: pg.Pool[] = [];
  const dirs: string[] = [];
  return {
    tempDir(): string {
      const d = mkdtempSync(join(tmpdir(), "cg-migrate-"));
      dirs.push(d);
      return d;
    },
    /** A directory made elsewhere (a gateway's data directory), removed with the others. */
    removeLater(dir: string): void {
      dirs.push(dir);
    },
    pool(url: string): pg.Pool {
      const p = createPool(url);
      pools.push(p);
      return p;
    },
    async cleanup(): Promise<void> {
      await Promise.all(pools.map((p) => p.end()));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
