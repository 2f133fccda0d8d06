// Every PostgreSQL advisory lock the gateway takes, in one list, so no two uses share a key by accident. Keys use
// the two-int form pg_advisory_lock(namespace, key): the namespace keeps them apart from other applications'
// locks in a shared database.
export const ADVISORY_NAMESPACE = 0x43474154; // "CGAT"

export const ADVISORY_KEYS = {
  /** Held for a whole migration run, so gateways that start together apply each migration once. */
  migrate: 1,
  /** Re-queueing (or failing) jobs whose lease ran out, one instance at a time. */
  recover: 2,
  /** The TTL cleanup of jobs and sessions. */
  cleanup: 3,
  /** Pruning idempotency records older than their 24 hours. */
  pruneIdempotency: 4,
} as const satisfies Record<string, number>;
