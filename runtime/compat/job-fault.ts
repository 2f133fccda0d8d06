// A job that did not complete, as an API error. The run's failure is the upstream's (502), a time limit a 504,
// a cancellation (by an operator or another client) a 409; a job whose server went away before it ended is
// still in the queue (503: fetch it later by its id). Retrying would start another job, so faults of finished
// jobs also say `x-should-retry: false`, which the OpenAI and Anthropic SDKs obey.
import type { ErrorCode } from "../job/job";
import type { Outcome } from "./answer";
import type { CompatFault } from "./errors";

const STATUS_BY_CODE = {
  api_error: 502,
  auth_required: 502,
  cli_error: 502,
  cli_missing: 502,
  spawn_failed: 502,
  run_lost: 502,
  timeout: 504,
  stalled: 504,
  cancelled: 409,
  interrupted: 502,
  output_too_large: 502,
  invalid_json: 502,
  schema_mismatch: 502,
} as const satisfies Record<ErrorCode, number>;

export function jobFault(jobId: string, o: Pick<Outcome, "status" | "error" | "errorCode">): CompatFault {
  const code = o.errorCode || (o.status === "cancelled" ? "cancelled" : "cli_error");
  return { status: STATUS_BY_CODE[code], message: `job ${jobId} ${o.status}: ${o.error || code}`, code };
}

export const NO_RETRY = { "x-should-retry": "false" };
