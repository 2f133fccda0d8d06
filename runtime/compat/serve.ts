// Answers a compatible API's request from its job: at once when the job ends (non-streaming), or as the job's
// events happen, translated (streaming). A client that goes away leaves the job to finish, unless the operator
// set CLAUDEGATE_COMPAT_CANCEL_ON_DISCONNECT; either way the answer stays in the job API.
import type { ServerResponse } from "node:http";
import type { Answer, Outcome } from "./answer";
import { jobFault } from "./job-fault";
import { sseReaderCutOff } from "../metrics/observe";
import { outcomeOf, watchJob, type WatchDeps } from "./job-watch";
import { MAX_BUFFERED_BYTES } from "../sse/job-stream";
import { SSE_HEADERS, type OpenStreams } from "../sse/open-streams";

export interface ServeOptions {
  /** Called when the client disconnects before the end, if the operator wants that to cancel the job. */
  cancel?: () => void;
  /** The stored result is not the text deltas (JSON mode, structured output): it is sent whole at the end. */
  json: boolean;
}

/** Resolves with how the job ended, or undefined when the client went away first. */
export function awaitOutcome(res: ServerResponse, jobId: string, deps: WatchDeps, opts: Pick<ServeOptions, "cancel">): Promise<Outcome | undefined> {
  return new Promise((resolve) => {
    const onClose = () => {
      stop();
      opts.cancel?.();
      resolve(undefined);
    };
    const stop = watchJob(deps, jobId, (ev) => {
      if (ev.event !== "result") return;
      res.off("close", onClose);
      resolve(outcomeOf(deps.store, ev).catch(() => undefined));
    });
    res.on("close", onClose);
  });
}

/** Streams the job's answer in `answer`'s dialect; settles when the stream has ended. */
export function streamOutcome(
  res: ServerResponse,
  jobId: string,
  answer: Answer,
  deps: WatchDeps & { streams: OpenStreams },
  opts: ServeOptions,
): Promise<void> {
  res.writeHead(200, SSE_HEADERS);
  res.write(answer.start());
  // A quiet stream (a job waiting in the queue) is kept alive in the dialect's own way (Anthropic's `ping`).
  const stopHeartbeat = deps.streams.keepAlive(res, answer.heartbeat);

  return new Promise((resolve) => {
    let ended = false;
    let stop: (() => void) | undefined; // unset while the stored history is replayed (a result there ends it)
    const end = () => {
      if (ended) return;
      ended = true;
      stopHeartbeat();
      stop?.();
      resolve();
    };
    stop = watchJob(deps, jobId, (ev) => {
      if (ended) return;
      if (ev.event === "chunk" && !opts.json) {
        // A reader this far behind is dropped rather than buffered without bound.
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          sseReaderCutOff();
          return void res.destroy();
        }
        res.write(answer.delta((JSON.parse(ev.data) as { text: string }).text));
      } else if (ev.event === "result") {
        void outcomeOf(deps.store, ev).then(
          (o) => {
            if (o.status !== "completed") res.end(answer.fail(jobFault(jobId, o)));
            else res.end((opts.json ? answer.delta(o.result) : "") + answer.finish(o));
            end();
          },
          () => {
            res.destroy();
            end();
          },
        );
      }
    });
    res.on("close", () => {
      if (!ended) opts.cancel?.();
      end();
    });
  });
}
