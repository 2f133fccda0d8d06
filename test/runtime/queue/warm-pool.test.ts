// The warm pool's restart policy with a pool whose warm processes die as soon as they start (what a CLI that
// cannot wait would do): three quick deaths in a row pause warming; new credentials resume it.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../runtime/config";
import { defaultRunSpec } from "../../../runtime/cli/run-spec";
import type { CliPool } from "../../../runtime/queue/cli-pool";
import { WarmPool } from "../../../runtime/queue/warm-pool";

const pools: WarmPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

/** A CliPool whose every warm process reports itself stale at once; counts the starts. */
function dyingPool() {
  const pool = {
    starts: 0,
    warm() {
      pool.starts++;
      const { port1, port2 } = new MessageChannel();
      let ended!: () => void;
      const done = new Promise<void>((resolve) => (ended = resolve));
      port2.on("message", () => {
        port2.close(); // "retire": the task ends
        ended();
      });
      setImmediate(() => port2.postMessage({ t: "warm_stale", why: "exited" }));
      return { port: port1, done };
    },
  };
  return pool;
}

const until = async (cond: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("WarmPool", () => {
  it("pauses after three quick deaths in a row, and warms again once the operator's credentials change", async () => {
    const home = mkdtempSync(join(tmpdir(), "cg-warm-"));
    const config = loadConfig({ CLAUDEGATE_API_KEYS: "k-0123456789abcdef", CLAUDEGATE_DB_PATH: join(home, "db"), CLAUDEGATE_CLAUDE_PATH: "/bin/true" });
    const spec = defaultRunSpec(config, { HOME: home, PATH: "/usr/bin" });
    const pool = dyingPool();
    const warm = new WarmPool(1, pool as unknown as CliPool, "warm-test-");
    pools.push(warm);
    warm.keepWarmFor(spec);
    await until(() => pool.starts >= 3, 10_000); // backoff 0, 500, 1000 ms
    expect(pool.starts).toBe(3);
    // Paused: no fourth start, even after the next backoff (2 s) has long passed.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(pool.starts).toBe(3);
    // A job meanwhile runs cold.
    expect(warm.take(spec) === undefined).toBe(true);
    expect(pool.starts).toBe(3);

    // Credentials appear in the operator's configuration folder: the next job's take resumes warming at once, takes
    // the process started for it, and a replacement starts behind it.
    mkdirSync(spec.operatorConfigDir, { recursive: true });
    writeFileSync(join(spec.operatorConfigDir, ".credentials.json"), "{}");
    const taken = warm.take(spec);
    expect(taken === undefined).toBe(false);
    expect(pool.starts).toBe(5);
  }, 20_000);
});
