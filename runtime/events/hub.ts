// In-process fan-out of a job's events to its live subscribers (SSE streams). Publishing never blocks: each
// subscriber decides what to do with a slow reader. The final `result` event closes the job's subscriptions.
import type { JobEvent } from "./job-event";

export type Listener = (ev: JobEvent) => void;

export class EventHub {
  private readonly subs = new Map<string, Set<Listener>>();

  subscribe(jobId: string, listener: Listener): () => void {
    let set = this.subs.get(jobId);
    if (!set) this.subs.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.subs.get(jobId) === set) this.subs.delete(jobId);
    };
  }

  publish(ev: JobEvent): void {
    const set = this.subs.get(ev.jobId);
    if (!set) return;
    for (const listener of [...set]) listener(ev);
    if (ev.event === "result") this.subs.delete(ev.jobId);
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
