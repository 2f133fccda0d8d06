// The PostgreSQL NOTIFY channels instances talk on, defined once. Payloads are ids, never data: a listener
// reads the rows (NOTIFY payloads are capped below 8,000 bytes, and rows are the truth).
export const CHANNELS = {
  /** `<job id> <last seq>` lines: events were stored for these jobs. */
  events: "cg_events",
  /** A job id: the job ended (cancelled, deleted) elsewhere; the instance running it stops its CLI. */
  ended: "cg_ended",
  /** A job was queued on an instance with no free slot: idle instances claim. */
  queued: "cg_queued",
  /** The queue pause changed: re-read it, and claim on resume. */
  pause: "cg_pause",
  /** A tenant key changed (created, updated, revoked): re-read the keys. */
  keys: "cg_keys",
  /** Job ids, one a line, that clients of the sender watch: the instance running one stores its events at once. */
  watch: "cg_watch",
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** The most bytes of one NOTIFY payload we send (PostgreSQL refuses 8,000 or more). */
export const MAX_PAYLOAD_BYTES = 7_000;
