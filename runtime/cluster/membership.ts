// A PostgreSQL instance's periodic duties, every third of a lease: its heartbeat, the renewal of its runs'
// leases (a run whose job moved on elsewhere is stopped), and, one instance at a time, the recovery of runs
// whose lease ran out (their instance died), session marks such an instance left, and silent instances.
import type { Dispatcher } from "../queue/dispatcher";
import { afterRecovery, recoverLostRuns, type RecoveryDeps } from "../queue/recovery";
import type { Sql } from "../store/sql/sql";
import { exclusively } from "../store/sql/exclusively";
import { log } from "../log";
import type { Instance, Instances } from "./instance";

export interface MembershipDeps extends RecoveryDeps {
  sql: Sql;
  me: Instance;
  instances: Instances;
  dispatcher: Dispatcher;
  leaseMs: number;
  /** Called after each round (health reads whether the database answered). */
  onRound?: (ok: boolean) => void;
}

/**
 * Starts the rounds; resolves once the first has run (a gateway restarted here recovers its dead self's jobs
 * before it claims any other) with a function that stops them (awaiting a round in progress).
 */
export async function startMembership(d: MembershipDeps): Promise<() => Promise<void>> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const every = Math.max(500, Math.floor(d.leaseMs / 3));
  const tick = () => {
    round = runRound(d)
      .then(() => d.onRound?.(true))
      .catch((err: unknown) => {
        d.onRound?.(false);
        log("warn", "cluster round failed", { error: String((err as Error)?.message ?? err) });
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, every);
      });
  };
  tick();
  await round;
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await round;
  };
}

async function runRound(d: MembershipDeps): Promise<void> {
  await d.instances.heartbeat(d.me);
  await d.dispatcher.renewLeases();
  await d.instances.endDeadOnThisMachine(d.me);
  const recovered = await exclusively(d.sql, "recover", async (tx) => {
    const r = await recoverLostRuns(d, tx, true);
    // A session mark whose run ended over a minute ago belongs to an instance that died before releasing it.
    await d.store.in(tx).sessions.releaseStale(Math.max(60_000, d.leaseMs * 2));
    await d.instances.forgetSilent(Date.now() - Math.max(3_600_000, d.leaseMs * 10));
    return r;
  });
  if (recovered && (recovered.requeued || recovered.failed.length)) {
    afterRecovery(d, recovered);
    log("info", "recovered runs of a lost instance", { requeued: recovered.requeued, failed: recovered.failed.length });
    d.dispatcher.pump();
  }
}
