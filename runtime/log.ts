// One JSON object per line on stdout, like the original's slog output, so log shippers need no parser config.
// Lines below the configured level (CLAUDEGATE_LOG_LEVEL, set once at boot) are not written.
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LOG_LEVELS)[number];

let threshold = LOG_LEVELS.indexOf("info");

export function setLogLevel(level: Level): void {
  threshold = LOG_LEVELS.indexOf(level);
}

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (LOG_LEVELS.indexOf(level) >= threshold) write(level, msg, fields);
}

/** Start-up lines (where the server listens) are written at every level: supervisors and scripts wait for them. */
export function announce(msg: string, fields: Record<string, unknown>): void {
  write("info", msg, fields);
}

function write(level: Level, msg: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level: level.toUpperCase(), msg, ...fields });
  (level === "error" ? process.stderr : process.stdout).write(line + "\n");
}

/** The fields every log line about a job carries, so one grep for its id follows it from submit to webhook. */
export function jobFields(job: { id: string; requestId: string }): { job_id: string; request_id: string } {
  return { job_id: job.id, request_id: job.requestId };
}
