// GET /api/v1/health: the original's string fields, plus an honest status: "degraded" with a reason when the
// database does not answer or the CLI binary is missing (the original always said "ok").
import { cliExists } from "../config/claude-path";
import type { Gateway } from "../gateway";
import { readAuthInfo } from "./credentials";

export function checkHealth(g: Gateway): Record<string, string> {
  const problems: string[] = [];
  try {
    g.store.ping();
  } catch (err) {
    problems.push(`database unreachable: ${(err as Error).message}`);
  }
  if (!cliExists(g.config.claudePath)) problems.push(`claude CLI not found at "${g.config.claudePath}"`);
  // A paused queue is not unhealthy (it is on purpose, or waiting out a usage limit), but an operator
  // watching health should see it.
  let pause: ReturnType<Gateway["pause"]["current"]>;
  try {
    pause = g.pause.current(); // clearing an expired pause writes to the database, which may be what is down
  } catch {
    pause = undefined;
  }
  return {
    status: problems.length ? "degraded" : "ok",
    ...(problems.length ? { reason: problems.join("; ") } : {}),
    ...readAuthInfo(),
    ...(pause
      ? { paused_until: pause.until === null ? "until resumed" : new Date(pause.until).toISOString(), paused_reason: pause.reason }
      : {}),
  };
}
