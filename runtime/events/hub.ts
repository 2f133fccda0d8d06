// In-process fan-out of a job's events to its live subscribers (SSE streams). Publishing never blocks: each
// subscriber decides what to do with a slow reader. The final `result` event closes the job's subscriptions.
// Events reach it from this instance's event log and, on PostgreSQL, from other instances' (the listener):
// an event whose number was already published for the job is dropped, so each subscriber sees it once, in order.
import type { JobEvent } from "./job-event";

export type Listener = (ev: JobEvent) => void;

export class EventHub {
  private readonly subs = new Map<string, Set<Listener>>();
  /** Told when a job gets its first subscriber here (the cluster tells the instance running it). */
  onFirstSubscriber: ((jobId: string) => void) | undefined;
  /** The last number published of each watched job. */
  private readonly last = new Map<string, number>();

  subscribe(jobId: string, listener: Listener): () => void {
    let set = this.subs.get(jobId);
    if (!set) {
      this.subs.set(jobId, (set = new Set()));
      this.onFirstSubscriber?.(jobId);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.subs.get(jobId) === set) {
        this.subs.delete(jobId);
        this.last.delete(jobId);
      }
    };
  }

  publish(ev: JobEvent): void {
    const set = this.subs.get(ev.jobId);
    if (!set) return;
    if (ev.seq <= (this.last.get(ev.jobId) ?? 0)) return;
    this.last.set(ev.jobId, ev.seq);
    for (const listener of [...set]) listener(ev);
    if (ev.event === "result") {
      this.subs.delete(ev.jobId);
      this.last.delete(ev.jobId);
    }
  }

  /** The last number published of a watched job (0 when none yet). */
  lastPublished(jobId: string): number {
    return this.last.get(jobId) ?? 0;
  }

  /** The jobs someone is subscribed to now. */
  watchedJobs(): IterableIterator<string> {
    return this.subs.keys();
  }

  /** Whether anyone is subscribed to the job now. */
  watched(jobId: string): boolean {
    return this.subs.has(jobId);
  }

  subscriberCount(): number {
    let n = 0;
    for (const set of this.subs.values()) n += set.size;
    return n;
  }
}
