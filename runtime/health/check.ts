// GET /api/v1/health: the original's string fields, plus an honest status: "degraded" when the database does not
// answer or the CLI binary is missing (the original always said "ok"). Anyone may ask, so the public answer holds
// only status words (the original's `status`, `claude_auth` and token expiry); what could leak (the CLI's path,
// database errors, a pause reason any key holder typed) is added only for a request with a valid key.
import { cliExists } from "../config/claude-path";
import type { Gateway } from "../gateway";
import { readAuthInfo } from "./credentials";

/** Health's `status`: "degraded" when the database does not answer or the CLI binary is missing. */
export const HEALTH_STATUSES = ["ok", "degraded"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export function checkHealth(g: Gateway, withDetails: boolean): Record<string, string> {
  const problems: string[] = [];
  try {
    g.store.ping();
  } catch (err) {
    problems.push(`database unreachable: ${(err as Error).message}`);
  }
  if (!cliExists(g.config.claudePath)) problems.push(`claude CLI not found at "${g.config.claudePath}"`);
  const status: HealthStatus = problems.length ? "degraded" : "ok";
  const auth = readAuthInfo();
  if (!withDetails) return { status, ...auth };
  // A paused queue is not unhealthy (it is on purpose, or waiting out a usage limit), but an operator
  // watching health should see it.
  let pause: ReturnType<Gateway["pause"]["current"]>;
  try {
    pause = g.pause.current(); // clearing an expired pause writes to the database, which may be what is down
  } catch {
    pause = undefined;
  }
  return {
    status,
    ...(problems.length ? { reason: problems.join("; ") } : {}),
    ...auth,
    // Which sandbox the CLI runs start in, and why (the start-up probe's verdict): an operator's first question.
    sandbox: g.sandbox.sandbox.mode,
    sandbox_reason: g.sandbox.reason,
    ...(pause
      ? { paused_until: pause.until === null ? "until resumed" : new Date(pause.until).toISOString(), paused_reason: pause.reason }
      : {}),
  };
}
