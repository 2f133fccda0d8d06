// The Piscina pool whose worker threads supervise CLI processes. One thread per concurrent run (the
// dispatcher never asks for more), one per warm CLI process (runtime/queue/warm-pool.ts), plus one for short side tasks such as reading the CLI's version, so those
// never delay a job. Threads stay warm so a job does not pay a thread start-up.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { Piscina } from "piscina";
import type { RunSpec } from "./run-protocol";
import type { Sandbox } from "../sandbox/modes";

/**
 * The bundled worker sits next to the server entry (`.output/server/workers/cli-task.mjs`, emitted by the
 * build). Resolved when the pool is created, not at import time: in the bundle `import.meta.url` is the entry's.
 */
export function defaultWorkerFile(): string {
  const file = fileURLToPath(new URL("./workers/cli-task.mjs", import.meta.url));
  if (!existsSync(file)) throw new Error(`worker bundle missing at ${file}: run "npm run build"`);
  return file;
}

export class CliPool {
  private readonly pool: Piscina;
  /** User mode's uid leases, one Int32 per uid of the range, shared by every worker thread (see workers/uid-lease.ts). */
  private readonly uidLeases: SharedArrayBuffer;

  constructor(
    concurrency: number,
    warmProcesses: number,
    private readonly sandbox: Sandbox = { mode: "off" },
    workerFile = defaultWorkerFile(),
  ) {
    this.uidLeases = new SharedArrayBuffer(4 * (sandbox.mode === "user" ? sandbox.slots : 0));
    this.pool = new Piscina({
      filename: workerFile,
      minThreads: concurrency,
      maxThreads: concurrency + warmProcesses + 1,
      idleTimeout: 60 * 60_000,
      concurrentTasksPerWorker: 1,
    });
  }

  /** Starts a run; the returned port carries its messages, the promise settles when the task returns. */
  run(spec: RunSpec): { port: MessagePort; done: Promise<void> } {
    const { port1, port2 } = new MessageChannel();
    const task = { spec, port: port2, sandbox: this.sandbox, uidLeases: this.uidLeases };
    const done = this.pool.run(task, { transferList: [port2] }) as Promise<void>;
    return { port: port1, done };
  }

  /** Starts a warm CLI process from `template` (workers/warm-task.ts); its port says warm_ready/warm_stale, then runs a taken job. */
  warm(template: RunSpec): { port: MessagePort; done: Promise<void> } {
    const { port1, port2 } = new MessageChannel();
    const task = { spec: template, port: port2, sandbox: this.sandbox, uidLeases: this.uidLeases };
    const done = this.pool.run(task, { name: "warmCliTask", transferList: [port2] }) as Promise<void>;
    return { port: port1, done };
  }

  cliVersion(command: string): Promise<string | undefined> {
    return this.pool.run({ command }, { name: "cliVersion" }) as Promise<string | undefined>;
  }

  /** Ends every thread at once; call after the runs have ended. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
