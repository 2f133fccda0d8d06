// The header badges: the gateway's health and whether the CLI's login is valid (GET /api/v1/health needs no
// key, so they show before a key is entered).
import { api } from "./api";
import { byId } from "./dom";

interface Health {
  status: "ok" | "degraded";
  reason?: string;
  claude_auth: "unknown" | "valid" | "expired";
  token_expires_in?: string;
  paused_until?: string;
  paused_reason?: string;
}

export async function refreshHealth(): Promise<void> {
  const health = byId("health");
  const auth = byId("cli-auth");
  try {
    const h = await api<Health>("GET", "/api/v1/health");
    const paused = h.paused_until ? ` · queue paused (${h.paused_reason ?? "paused"})` : "";
    badge(health, h.status === "ok" ? "ok" : "bad", `gateway ${h.status}${paused}`, h.reason ?? h.paused_reason ?? "");
    const authText =
      h.claude_auth === "valid" ? `CLI login valid · ${h.token_expires_in} left`
      : h.claude_auth === "expired" ? `CLI login expired ${h.token_expires_in} ago`
      : "CLI auth: API key or token";
    badge(auth, h.claude_auth === "expired" ? "bad" : h.claude_auth === "valid" ? "ok" : "neutral", authText,
      h.claude_auth === "unknown" ? "No OAuth credentials file: the CLI uses ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN, if set." : "");
  } catch (err) {
    badge(health, "bad", "gateway unreachable", (err as Error).message);
    badge(auth, "neutral", "CLI auth: ?", "");
  }
}

function badge(el: HTMLElement, kind: "ok" | "bad" | "neutral", text: string, title: string): void {
  el.textContent = text;
  el.dataset.kind = kind;
  el.title = title;
}
