// Revoking a tenant key: refused from the next request on (the key store's copy changes at once), and its
// queued jobs cancelled or left to run, as the operator chooses. Running jobs finish.
import type { Gateway } from "../gateway";
import { cancelJob } from "../job/commands";
import type { KeyChange, TenantKey } from "./key-store";

export function revokeKey(
  g: Pick<Gateway, "keys" | "store" | "jobs">,
  id: string,
  queued: "cancel" | "keep",
): KeyChange<{ key: TenantKey; cancelled: number }> {
  const key = g.keys.revoke(id);
  if (typeof key === "string") return key;
  let cancelled = 0;
  if (queued === "cancel") for (const jobId of g.store.queuedOf(id)) if (cancelJob(g.jobs, jobId).ok) cancelled++;
  return { key, cancelled };
}
