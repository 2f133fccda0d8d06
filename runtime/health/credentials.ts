// The CLI's OAuth token expiry, read from its credentials file, as the original's health endpoint reports it.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Health's `claude_auth`: whether the CLI's OAuth token has expired ("unknown": no expiry on file). */
export const CLAUDE_AUTH_STATES = ["unknown", "valid", "expired"] as const;
export type ClaudeAuthState = (typeof CLAUDE_AUTH_STATES)[number];

export interface AuthInfo {
  claude_auth: ClaudeAuthState;
  token_expires_at?: string;
  token_expires_in?: string;
}

export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), ".claude"), ".credentials.json");
}

/** When the CLI's OAuth token expires (epoch ms), or undefined when the credentials file does not say. */
export function tokenExpiresAt(file = credentialsFile()): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  return expiresAtIn(text);
}

/** The same, read from a credentials file's text (a sandboxed run's copy is compared with the gateway's by it). */
export function expiresAtIn(text: string): number | undefined {
  let expiresAt: unknown;
  try {
    expiresAt = JSON.parse(text)?.claudeAiOauth?.expiresAt;
  } catch {
    return undefined;
  }
  return typeof expiresAt === "number" && expiresAt > 0 ? expiresAt : undefined;
}

export function readAuthInfo(file = credentialsFile(), now = Date.now()): AuthInfo {
  const expiresAt = tokenExpiresAt(file);
  if (expiresAt === undefined) return { claude_auth: "unknown" };
  return {
    claude_auth: expiresAt > now ? "valid" : "expired",
    token_expires_at: new Date(Math.floor(expiresAt / 1000) * 1000).toISOString().replace(".000Z", "Z"),
    // Like the original: the absolute distance, so an expired token shows the time since expiry.
    token_expires_in: goDuration(Math.abs(expiresAt - now)),
  };
}

/** Go's time.Duration String() of a duration truncated to whole seconds: "7h12m3s", "45m0s", "12s", "0s". */
export function goDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
