// A run's outcome must outlive a short database outage: the CLI's answer is already paid for.
import { finishJob, type FinishDeps } from "../job/finish";
import type { Finish } from "../job/run-outcome";
import { jobFields, log } from "../log";
import type { Run } from "./run";

/** The waits between tries to store a run's outcome while the database is away. */
const OUTCOME_RETRIES_MS = [500, 1000, 2000, 4000, 8000];

/**
 * Stores a run's outcome. While the database is away it tries again with backoff (the compare-and-set on status
 * and attempt makes a second try harmless), for about 15 s; after that the job stays `processing` without a run,
 * and recovery (a lease running out, or the next start of a single gateway) runs it again.
 */
export async function storeOutcome(deps: FinishDeps, run: Run, f: Finish): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await finishJob(deps, run.job.id, (store) => store.finish(run.job.id, run.job.attempts, f));
      return;
    } catch (err) {
      if (attempt >= OUTCOME_RETRIES_MS.length) throw err;
      log("warn", "could not store a run's outcome; retrying", { ...jobFields(run.job), error: String((err as Error)?.message ?? err) });
      await new Promise((r) => setTimeout(r, OUTCOME_RETRIES_MS[attempt]));
    }
  }
}
