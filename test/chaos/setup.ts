// Global setup of `npm run test:chaos`: builds the server (as `npm test` does), picks the run's seed and a file
// the test files append their rows to, and prints the whole table at the end.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import buildServer from "../global-setup";
import { chaosSeed } from "../support/chaos/prng";
import { failed, formatTable, readRows } from "../support/chaos/report";

declare module "vitest" {
  export interface ProvidedContext {
    chaosSeed: number;
    chaosResults: string;
  }
}

export default function setup(project: TestProject) {
  const t0 = Date.now();
  buildServer();
  const seed = chaosSeed();
  const results = join(mkdtempSync(join(tmpdir(), "cg-chaos-")), "rows.jsonl");
  project.provide("chaosSeed", seed);
  project.provide("chaosResults", results);
  process.stdout.write(`\nchaos: seed ${seed} (rerun the same choices with CHAOS_SEED=${seed})\n`);
  return () => {
    const rows = readRows(results);
    const bad = rows.filter(failed).length;
    process.stdout.write(
      `\nchaos: seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(0)} s\n${formatTable(rows)}\n` +
        `${bad ? `${bad} rows broke a promise` : "every row held"} (CHAOS_SEED=${seed})\n\n`,
    );
  };
}
