// Events stored by other instances reach this instance's subscribers: a notification names the jobs and the
// numbers stored; for a job someone here watches, the rows after the last number published here are read and
// handed to the hub (which drops any number it has published already). Reads of one job run one at a time.
import type { EventLog } from "../events/event-log";
import type { EventHub } from "../events/hub";
import { log } from "../log";

export class RemoteEvents {
  private readonly reading = new Map<string, Promise<void>>();

  constructor(
    private readonly events: EventLog,
    private readonly hub: EventHub,
  ) {}

  /** A notification's payload: lines of `<job id> <first seq> <last seq>`. */
  heard(payload: string): void {
    for (const line of payload.split("\n")) {
      const [jobId, first, last] = line.split(" ");
      if (!jobId || !this.hub.watched(jobId)) continue;
      if (Number(last) <= this.hub.lastPublished(jobId)) continue; // published here already (our own events)
      this.read(jobId, Number(first) - 1);
    }
  }

  /** After the listener reconnected: every watched job is read from its last published number. */
  catchUp(): void {
    for (const jobId of [...this.hub.watchedJobs()]) this.read(jobId, 0);
  }

  private read(jobId: string, from: number): void {
    const before = this.reading.get(jobId) ?? Promise.resolve();
    const next = before
      .then(async () => {
        // Nothing published here yet: the subscriber replays older events itself; read from the announced ones.
        const published = this.hub.lastPublished(jobId);
        const after = published > 0 ? published : from;
        for (const ev of await this.events.history(jobId, after)) this.hub.publish(ev);
      })
      .catch((err: unknown) => log("warn", "could not read another instance's events", { job_id: jobId, error: String((err as Error)?.message ?? err) }))
      .finally(() => {
        if (this.reading.get(jobId) === next) this.reading.delete(jobId);
      });
    this.reading.set(jobId, next);
  }
}
