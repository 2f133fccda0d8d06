// Who a request acts for. Operator keys (CLAUDEGATE_API_KEYS, or the generated key) see and manage everything;
// a tenant key sees only the jobs it submitted. A job's `owner` is the tenant key's id, '' for operator keys.
import type { H3Event } from "h3";
import { refuse } from "../domain-error";
import type { TenantKey } from "./key-store";

export type Principal = { kind: "operator" } | { kind: "tenant"; key: TenantKey };

export const OPERATOR: Principal = { kind: "operator" };

/** The owner recorded on what this principal creates. */
export const ownerOf = (p: Principal): string => (p.kind === "operator" ? "" : p.key.id);

/** The tenant key a principal acts with, or undefined for an operator key (which sees everyone's). */
export const tenantOf = (p: Principal): TenantKey | undefined => (p.kind === "tenant" ? p.key : undefined);

/** Whether the principal may see a job (or delivery) owned by `owner`. */
export const canSee = (p: Principal, owner: string): boolean => p.kind === "operator" || owner === p.key.id;

/** Set by the auth middleware on every keyed request (absent only on a stream opened with a signed token). */
export function principalOf(event: H3Event): Principal {
  const p = event.context.principal as Principal | undefined;
  if (!p) throw refuse("unauthenticated", "missing X-API-Key header");
  return p;
}

/** For endpoints that act on the whole gateway: queue pause, key management, cluster-wide figures. */
export function requireOperator(event: H3Event): void {
  if (principalOf(event).kind !== "operator") throw refuse("forbidden", "operator key required");
}

/** Whether the job exists and the principal may see it: another tenant's job is as unknown as a missing one. */
export async function canSeeJob(store: { ownerOf(id: string): Promise<string | undefined> }, p: Principal, id: string): Promise<boolean> {
  const owner = await store.ownerOf(id);
  return owner !== undefined && canSee(p, owner);
}
