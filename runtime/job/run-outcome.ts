// How a CLI run ends, as the worker reports it and the store records it.
import type { ErrorCode, RunStats } from "./job";

export interface Finish {
  status: "completed" | "failed" | "cancelled";
  result: string;
  error: string;
  errorCode: ErrorCode | "";
  stats?: RunStats;
}

/** A run that ended on the account's usage or rate limit: not the job's fault, so it is not a finish. */
export interface LimitHit {
  message: string;
  /** When the CLI said the limit resets (epoch ms), if it said. */
  resetAt?: number;
}
