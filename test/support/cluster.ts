// N gateways on one PostgreSQL database: the multi-instance tests of issue 12. Each member is an ordinary
// GatewayProcess with its own data directory (its own CLI workspaces, secrets and warm processes, as on separate
// machines) and the same environment otherwise, the API key included, so a client may talk to any of them.
//
//   const cluster = await startCluster(3, { env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI } });
//   const job = await cluster.members[0]!.submit({ prompt: "..." });
//   await cluster.members[1]!.waitJob(job.job_id);
//   await cluster.stopAll();                                   // afterAll
import { randomBytes } from "node:crypto";
import { withDatabase } from "./database";
import { API_KEY, GatewayProcess, type GatewayOptions } from "./gateway-process";
import { databaseUrlFor } from "./test-backend";

export interface ClusterOptions {
  /** Environment of every member, CLAUDEGATE_API_KEYS included (default: GatewayProcess's one key). */
  env?: Record<string, string>;
  /**
   * The database to share; default: env's CLAUDEGATE_DATABASE_URL, else a fresh database on this worker's test
   * server (test/support/test-backend.ts).
   */
  databaseUrl?: string;
  /** Wait for every member's listening line (false for start-up race tests). */
  waitListening?: boolean;
}

export interface Cluster {
  readonly members: GatewayProcess[];
  readonly databaseUrl: string;
  /** Stops every member still running with `signal` and waits for all of them. */
  stopAll(signal?: NodeJS.Signals): Promise<void>;
  /** The member holding the lease of job `jobId` (running it) now, from the shared rows; undefined when none does. */
  runnerOf(jobId: string): Promise<GatewayProcess | undefined>;
}

export async function startCluster(n: number, opts: ClusterOptions = {}): Promise<Cluster> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`startCluster: n must be a positive integer, got ${n}`);
  const databaseUrl =
    opts.databaseUrl ?? opts.env?.CLAUDEGATE_DATABASE_URL ?? (await databaseUrlFor(`cluster-${randomBytes(6).toString("hex")}`));
  const memberOpts: GatewayOptions = {
    env: { CLAUDEGATE_API_KEYS: API_KEY, ...opts.env, CLAUDEGATE_DATABASE_URL: databaseUrl },
    waitListening: opts.waitListening,
    backend: "postgres",
  };
  // Started together, as behind a load balancer after a deploy: start-up races (migrations) are part of the test.
  const started = await Promise.allSettled(Array.from({ length: n }, () => GatewayProcess.start(memberOpts)));
  const members = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stopAll = async (signal: NodeJS.Signals = "SIGTERM") => {
    await Promise.all(members.map((m) => m.stop(signal)));
  };
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await stopAll("SIGKILL");
    throw (failed as PromiseRejectedResult).reason;
  }
  const runnerOf = async (jobId: string) => {
    const pid = await withDatabase({ backend: "postgres", url: databaseUrl }, (db) =>
      db.value<number | undefined>(`SELECT i.pid FROM jobs j JOIN instances i ON i.id = j.lease_owner WHERE j.id = ? AND j.status = 'processing'`, jobId),
    );
    return members.find((m) => pid !== undefined && m.child.pid === pid);
  };
  return { members, databaseUrl, stopAll, runnerOf };
}
