// A tenant key as the API shows it: never its secret (shown once, at creation) nor its hash.
import { refuse } from "../domain-error";
import type { KeyChange, TenantKey } from "./key-store";

export function keyToJson(k: TenantKey) {
  return {
    id: k.id,
    name: k.name,
    policy: k.policy,
    created_at: new Date(k.createdAt).toISOString(),
    revoked_at: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  };
}

/** Maps a key store refusal to the API's error; the value itself otherwise. */
export function keyChangeOrThrow<T>(r: KeyChange<T>, name?: string): T {
  if (r === "not_found") throw refuse("not_found", "key not found");
  if (r === "name_taken") throw refuse("invalid", `name "${name}" is already taken`);
  if (r === "revoked") throw refuse("conflict", "key is revoked");
  return r;
}
