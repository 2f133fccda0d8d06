// A real Prometheus server (Debian's `prometheus` package) for the metrics tests: its own temporary storage and
// config, listening on a loopback port, scraping given targets every second. Where it is not installed the tests
// skip with a message, except in CI (CI=true), where a missing Prometheus is a failure: .ci/run installs it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntil } from "./gateway-process";

export const PROMETHEUS = process.env.PROMETHEUS_PATH ?? "/usr/bin/prometheus";
export const PROMTOOL = process.env.PROMTOOL_PATH ?? "/usr/bin/promtool";
export const HAS_PROMETHEUS = existsSync(PROMETHEUS) && existsSync(PROMTOOL);

/** Call at the top of a Prometheus test file: true when its tests must be skipped (and says so, loudly). */
export function skipWithoutPrometheus(): boolean {
  if (HAS_PROMETHEUS) return false;
  if (process.env.CI === "true") throw new Error(`CI: no Prometheus at ${PROMETHEUS} (.ci/run installs it with apt-get install prometheus)`);
  console.warn(`\n*** SKIPPING Prometheus tests: no ${PROMETHEUS} or ${PROMTOOL}. Install them: apt-get install prometheus ***\n`);
  return true;
}

/** Runs promtool with `args` (and `stdin`); returns its exit status and output. */
export function promtool(args: string[], stdin?: string): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, args, { input: stdin, encoding: "utf8", timeout: 30_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export class PrometheusProcess {
  output = "";

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout!.on("data", (d) => (this.output += d));
    child.stderr!.on("data", (d) => (this.output += d));
  }

  /** Starts Prometheus scraping `target` ("host:port", path /metrics) every second, and waits until it is ready. */
  static async start(target: string): Promise<PrometheusProcess> {
    const dir = mkdtempSync(join(tmpdir(), "cg-prom-"));
    const config = join(dir, "prometheus.yml");
    writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: claudegate",
        "    scrape_interval: 1s",
        "    scrape_timeout: 1s",
        `    static_configs: [{ targets: ["${target}"] }]`,
        "",
      ].join("\n"),
    );
    const port = await freePort();
    const child = spawn(
      PROMETHEUS,
      [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const prom = new PrometheusProcess(child, `http://127.0.0.1:${port}`);
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}:\n${prom.output}`);
        return (await fetch(`${prom.url}/-/ready`).catch(() => undefined))?.ok;
      },
      30_000,
      "Prometheus to be ready",
    );
    return prom;
  }

  /** An instant PromQL query over the HTTP API: the samples of its vector result. */
  async query(promql: string): Promise<Sample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== "success") throw new Error(`query ${promql}: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The single value of a query that returns one sample, or undefined when it returns none. */
  async value(promql: string): Promise<number | undefined> {
    const r = await this.query(promql);
    if (r.length > 1) throw new Error(`query ${promql}: ${r.length} samples, expected one`);
    return r[0]?.value;
  }

  /** Polls `promql` until its value is `expected` (scrapes and job ends take their time), failing after `timeoutMs`. */
  async waitValue(promql: string, expected: number, timeoutMs = 30_000): Promise<void> {
    let last: number | undefined;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      last = await this.value(promql);
      if (last !== undefined && Math.abs(last - expected) < 1e-9) return;
      if (Date.now() > deadline) throw new Error(`${promql}: expected ${expected}, last ${last}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    await exited;
  }
}
