// Follows one job's events for a compatible API's answer, as runtime/sse/job-stream.ts does for the job stream:
// subscribed first, then the stored history read; live events that arrive during the read wait behind it, and a
// sequence check drops any event seen twice. Ends with the `result` event.
import type { EventLog } from "../events/event-log";
import type { EventHub } from "../events/hub";
import type { JobEvent } from "../events/job-event";
import { isTerminal } from "../job/job";
import type { JobStore } from "../store/job-store";
import type { Outcome } from "./answer";

export interface WatchDeps {
  store: JobStore;
  events: EventLog;
  hub: EventHub;
}

/** Calls `on` with each event of the job in order, the last being `result`. Returns a function that stops early. */
export function watchJob(deps: WatchDeps, jobId: string, on: (ev: JobEvent) => void): () => void {
  let last = 0;
  let done = false;
  const send = (ev: JobEvent) => {
    if (done || ev.seq <= last) return;
    last = ev.seq;
    if (ev.event === "result") stop();
    on(ev);
  };
  let waiting: JobEvent[] | undefined = [];
  const unsubscribe = deps.hub.subscribe(jobId, (ev) => (waiting ? waiting.push(ev) : send(ev)));
  const stop = () => {
    done = true;
    unsubscribe();
  };
  const replayed = (history: JobEvent[]) => {
    const live = waiting ?? [];
    waiting = undefined;
    history.forEach(send);
    live.forEach(send);
  };
  void deps.events.history(jobId, 0).then(replayed, () => replayed([]));
  return stop;
}

/**
 * How the job of a `result` event ended. The event is published once its transaction has committed, so the
 * store has the job with its usage; a job deleted meanwhile (cancelled, then removed) has only the event's payload.
 */
export async function outcomeOf(store: JobStore, ev: JobEvent): Promise<Outcome> {
  const job = await store.get(ev.jobId);
  if (job && isTerminal(job.status)) return job;
  const p = JSON.parse(ev.data) as { status: Outcome["status"]; result: string; error: string };
  return { status: p.status, result: p.result, error: p.error, errorCode: p.status === "cancelled" ? "cancelled" : "", usage: undefined };
}
