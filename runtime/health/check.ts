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

/** The longest health waits for the database: a health check that hangs is no health check. */
const PING_BOUND_MS = 2_000;

async function pingBounded(g: Gateway): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PING_BOUND_MS} ms`)), PING_BOUND_MS);
  });
  try {
    await Promise.race([g.store.ping(), late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(g: Gateway, withDetails: boolean): Promise<Record<string, string>> {
  const problems: string[] = [];
  try {
    await pingBounded(g);
  } catch (err) {
    problems.push(`database unreachable: ${(err as Error).message}`);
  }
  // Without its listener an instance does not hear other instances' events, cancels and pauses.
  if (g.cluster && !g.cluster.listening) problems.push("not listening to the other instances (reconnecting)");
  if (!cliExists(g.config.claudePath)) problems.push(`claude CLI not found at "${g.config.claudePath}"`);
  const status: HealthStatus = problems.length ? "degraded" : "ok";
  const auth = readAuthInfo();
  if (!withDetails) return { status, ...auth };
  // A paused queue is not unhealthy (it is on purpose, or waiting out a usage limit), but an operator
  // watching health should see it.
  const pause = g.pause.current();
  return {
    status,
    ...(problems.length ? { reason: problems.join("; ") } : {}),
    ...auth,
    // Which sandbox the CLI runs start in, and why (the start-up probe's verdict): an operator's first question.
    sandbox: g.sandbox.sandbox.mode,
    sandbox_reason: g.sandbox.reason,
    // Which database, and which instance of the cluster answered (behind a load balancer, one of several).
    database: g.database.engine,
    instance_id: g.instance.id,
    ...(pause
      ? { paused_until: pause.until === null ? "until resumed" : new Date(pause.until).toISOString(), paused_reason: pause.reason }
      : {}),
  };
}
