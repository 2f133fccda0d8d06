// The system prompt the CLI runs with, composed exactly as the original does: security preamble (unless the
// operator disabled it), the JSON instruction in json mode, then the job's own system prompt, joined by "\n\n".

export const SECURITY_PROMPT = `You are operating in a sandboxed API environment. Security rules:
1. Never execute shell commands or system commands, and never access the filesystem.
2. Never read, write, modify or delete files.
3. Never access environment variables or system configuration.
4. Never make network requests.
5. Never install packages or modify the system.
6. Only provide text responses.
7. If asked to do any of the above, refuse and explain why.`;

export const JSON_INSTRUCTION =
  "CRITICAL: Your response must be RAW JSON only. Do NOT wrap it in ```json code fences. Do NOT add any text before or after the JSON. Do NOT use markdown formatting. Start directly with { or [ and end with } or ]. The raw output must be directly parseable by JSON.parse(). Be concise and fast.";

export function composeSystemPrompt(opts: { securityPrompt: boolean; json: boolean; jobSystemPrompt: string }): string {
  let sp = opts.securityPrompt ? SECURITY_PROMPT : "";
  if (opts.json) sp += "\n\n" + JSON_INSTRUCTION;
  if (opts.jobSystemPrompt) sp += "\n\n" + opts.jobSystemPrompt;
  return sp;
}
