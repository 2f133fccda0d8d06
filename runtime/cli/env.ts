// The CLI's environment is an allow-list: what it needs to run and authenticate, nothing of the gateway's own
// (CLAUDEGATE_* holds our API keys) and never CLAUDECODE (which makes the CLI think it is nested in a session).

const EXACT = new Set([
  "PATH", "HOME", "LANG", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL", "TERM",
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
  "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "CLAUDE_CONFIG_DIR",
]);
const PREFIXES = ["LC_", "ANTHROPIC_", "CLAUDE_CODE_"];

/** Marks every process of a job's run, so a restarted server can find and reap what a crash left behind. */
export const JOB_MARKER_VAR = "CG_JOB_ID";
/** The pid of the gateway that started the run: several gateways on one machine reap only dead ones' runs. */
export const GATEWAY_PID_VAR = "CG_GATEWAY_PID";

export function buildCliEnv(
  parent: NodeJS.ProcessEnv,
  extraNames: readonly string[],
  jobId: string,
): Record<string, string> {
  const extra = new Set(extraNames);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined || name.startsWith("CLAUDEGATE_") || name === "CLAUDECODE") continue;
    if (EXACT.has(name) || extra.has(name) || PREFIXES.some((p) => name.startsWith(p))) env[name] = value;
  }
  env[JOB_MARKER_VAR] = jobId;
  env[GATEWAY_PID_VAR] = String(process.pid);
  return env;
}
