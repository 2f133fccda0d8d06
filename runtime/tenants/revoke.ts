// Revoking a tenant key: refused from the next request on (the key store's copy changes at once), and its
// queued jobs cancelled or left to run, as the operator chooses. Running jobs finish.
import type { Gateway } from "../gateway";
import { cancelJob } from "../job/commands";
import type { KeyChange, TenantKey } from "./key-store";

export async function revokeKey(
  g: Pick<Gateway, "keys" | "store" | "jobs">,
  id: string,
  queued: "cancel" | "keep",
): Promise<KeyChange<{ key: TenantKey; cancelled: number }>> {
  const key = await g.keys.revoke(id);
  if (typeof key === "string") return key;
  let cancelled = 0;
  if (queued === "cancel") for (const jobId of await g.store.queuedOf(id)) if ((await cancelJob(g.jobs, jobId)).ok) cancelled++;
  return { key, cancelled };
}
