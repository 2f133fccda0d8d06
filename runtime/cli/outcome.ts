// Decides how a run ended. The CLI often reports failures with exit code 0 and subtype "success", so the
// `result` line's is_error / api_error_status / subtype decide, never the exit code alone.
import type { Finish, LimitHit } from "../job/run-outcome";
import type { RunStats } from "../job/job";
import type { ResultLine } from "./stream-parser";
import { isJson, stripCodeFences } from "./json-result";

const AUTH_TEXT = /not logged in|invalid api key|oauth token has expired|authentication_error|please run \/login/i;
const LIMIT_TEXT = /usage limit|limit reached|rate.?limit|request rejected \(429\)|hit your limit/i;

/**
 * The account hit its usage or rate limit (the CLI has already retried 429s itself by then). Older CLIs end
 * the message with "|<epoch seconds>" of the reset; otherwise the caller falls back to its backoff.
 */
export function limitFromResult(r: ResultLine): LimitHit | undefined {
  if (!r.isError || !(r.apiErrorStatus === 429 || LIMIT_TEXT.test(r.result))) return undefined;
  const epoch = /\|(\d{10})\b/.exec(r.result);
  return { message: r.result || "usage limit reached", resetAt: epoch ? Number(epoch[1]) * 1000 : undefined };
}

export function statsOf(r: ResultLine): RunStats {
  return {
    usage: r.usage,
    cost_usd: r.costUsd,
    duration_ms: r.durationMs,
    num_turns: r.numTurns,
    cli_session_id: r.sessionId,
  };
}

/** `structured`: the run had a `--json-schema`, so its answer is the result line's `structured_output`. */
export function outcomeFromResult(r: ResultLine, opts: { json: boolean; structured?: boolean }): Finish {
  const stats = statsOf(r);
  const failed = r.isError || (r.subtype !== "" && r.subtype !== "success");
  if (failed) {
    const auth = r.apiErrorStatus === 401 || r.apiErrorStatus === 403 || AUTH_TEXT.test(r.result);
    const errorCode = auth ? "auth_required" : r.apiErrorStatus !== null ? "api_error" : "cli_error";
    const detail = r.result || r.subtype || "unknown error";
    const error = r.subtype && r.subtype !== "success" && !r.result ? `claude reported ${r.subtype}` : detail;
    return { status: "failed", result: "", error, errorCode, stats };
  }
  if (opts.structured) {
    // Asked twice for the StructuredOutput tool and still answering in text, the CLI ends with a "success" and
    // no structured_output (measured with 2.1.197 and 2.1.332).
    if (r.structuredOutput === undefined) {
      return { status: "failed", result: r.result, error: "the CLI returned no structured output for json_schema", errorCode: "invalid_json", stats };
    }
    return { status: "completed", result: JSON.stringify(r.structuredOutput), error: "", errorCode: "", stats };
  }
  if (opts.json) {
    const text = stripCodeFences(r.result);
    if (!isJson(text)) {
      return { status: "failed", result: r.result, error: "result is not valid JSON", errorCode: "invalid_json", stats };
    }
    return { status: "completed", result: text, error: "", errorCode: "", stats };
  }
  return { status: "completed", result: r.result, error: "", errorCode: "", stats };
}

/** A run that ended without a `result` line. */
export function outcomeFromExit(code: number | null, signal: string | null, stderrTail: string): Finish {
  const how = signal ? `signal ${signal}` : `exit status ${code}`;
  const detail = stderrTail.trim();
  const error =
    code === 0 && !signal
      ? `claude exited without a result${detail ? ` — ${detail}` : ""}`
      : `claude exited: ${how}${detail ? ` — ${detail}` : ""}`;
  return { status: "failed", result: "", error, errorCode: "cli_error" };
}

/** Go-style duration as the original printed it ("30m"), with seconds when the limit is not whole minutes. */
export function formatLimit(ms: number): string {
  const s = Math.round(ms / 1000);
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

// Runs that never got to a result line of their own: no CLI to start, a start that failed, too much output.

export function cliMissing(command: string): Finish {
  return {
    status: "failed",
    result: "",
    error: `claude CLI not found at "${command}" (set CLAUDEGATE_CLAUDE_PATH)`,
    errorCode: "cli_missing",
  };
}

/** A run that could not start. The error's code (E2BIG, ENOSPC...) says why; its message may hold the argv. */
export function spawnFailed(what: string, err: unknown): Finish {
  const code = (err as NodeJS.ErrnoException)?.code;
  return { status: "failed", result: "", error: code ? `${what} (${code})` : what, errorCode: "spawn_failed" };
}

export function outputTooLarge(maxResultBytes: number): Finish {
  return {
    status: "failed",
    result: "",
    error: `output exceeded CLAUDEGATE_MAX_RESULT_BYTES (${maxResultBytes} bytes)`,
    errorCode: "output_too_large",
  };
}
