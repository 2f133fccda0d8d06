// One JSON object per line on stdout, like the original's slog output, so log shippers need no parser config.
type Level = "debug" | "info" | "warn" | "error";

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level: level.toUpperCase(), msg, ...fields });
  (level === "error" ? process.stderr : process.stdout).write(line + "\n");
}
