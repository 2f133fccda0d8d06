// What a compatible API's answer is made of, whichever the dialect: the whole answer of a finished job, or the
// frames of its stream (an opening, one per text delta, a closing, or an error). Pure: the serving side
// (runtime/compat/serve.ts) decides when each is written.
import type { Job } from "../job/job";
import type { CompatFault, Dialect } from "./errors";

/** How a job ended, as the answer needs it (a Job has these fields). */
export type Outcome = Pick<Job, "status" | "result" | "error" | "errorCode" | "usage">;

export interface AnswerContext {
  jobId: string;
  /** The model name the client asked for. */
  model: string;
  /** Unix seconds of the job's creation. */
  created: number;
  includeUsage: boolean;
}

export interface Answer {
  dialect: Dialect;
  /** The non-streaming answer of a completed job. */
  complete(o: Outcome): object;
  start(): string;
  delta(text: string): string;
  /** The frames that end the stream of a completed job. */
  finish(o: Outcome): string;
  /** The frame that ends a stream with an error. */
  fail(f: CompatFault): string;
  /** Written while nothing else is, so proxies keep a quiet stream open. */
  heartbeat: string;
}
