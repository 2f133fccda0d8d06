// Streams one job's events to one client as Server-Sent Events, in the original's frame format. It subscribes
// before it reads the job, so a job that ends between the two still delivers its `result` (the original's
// stream could hang there), and it ends the response right after `result`.
import type { ServerResponse } from "node:http";
import type { EventHub, JobEvent } from "../events/hub";
import type { JobStore } from "../store/job-store";
import { isTerminal, jobToJson } from "../job/job";

const frame = (event: string, data: string) => `event: ${event}\ndata: ${data}\n\n`;

/** Resolves when the stream has ended (result sent, or client gone). False when the job does not exist. */
export function streamJob(res: ServerResponse, jobId: string, hub: EventHub, store: JobStore): Promise<boolean> | false {
  const buffered: JobEvent[] = [];
  let live = false;
  let write: (ev: JobEvent) => void = (ev) => buffered.push(ev);
  const unsubscribe = hub.subscribe(jobId, (ev) => write(ev));

  const job = store.get(jobId);
  if (!job) {
    unsubscribe();
    return false;
  }
  return new Promise<boolean>((resolve) => {
    const end = () => {
      unsubscribe();
      if (!res.writableEnded) res.end();
      resolve(true);
    };
    res.on("close", end);
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    if (isTerminal(job.status)) {
      res.write(frame("result", jobToJson(job)));
      return end();
    }
    res.write(frame("status", jobToJson(job)));
    write = (ev) => {
      if (!live && ev.event === "status" && ev.data.status === job.status && !("retrying" in ev.data)) return;
      res.write(frame(ev.event, JSON.stringify(ev.data)));
      if (ev.event === "result") end();
    };
    // Events published between subscribing and reading the job: skip what the snapshot already shows.
    for (const ev of buffered.splice(0)) write(ev);
    live = true;
  });
}
