// Token counts from the CLI's usage object (the Messages API's counters, summed over the run's calls): one reading
// for the metrics' token counter and the compatible APIs' usage fields.
export const TOKEN_TYPES = ["input", "output", "cache_read", "cache_write"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/** The CLI's usage object (Anthropic's field names) as token counts by type; missing or odd fields count 0. */
export function tokenCounts(usage: unknown): Record<TokenType, number> {
  const u = (usage && typeof usage === "object" ? usage : {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);
  return {
    input: n(u.input_tokens),
    output: n(u.output_tokens),
    cache_read: n(u.cache_read_input_tokens),
    cache_write: n(u.cache_creation_input_tokens),
  };
}
