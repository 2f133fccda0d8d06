// Tenant keys for the tests: created through the API by the operator key (the harness's API_KEY).
import { expect } from "vitest";
import type { GatewayProcess } from "./gateway-process";

export interface Tenant {
  id: string;
  key: string;
  /** Headers that authenticate as this tenant. */
  h: Record<string, string>;
}

export async function createTenant(gw: GatewayProcess, name: string, policy?: Record<string, unknown>): Promise<Tenant> {
  const r = await gw.json("POST", "/api/v1/keys", policy === undefined ? { name } : { name, policy });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.id, key: r.body.key, h: { "X-API-Key": r.body.key } };
}

/** Submits as a tenant; fails the test unless accepted. */
export async function submitAs(gw: GatewayProcess, t: Tenant, body: Record<string, unknown>): Promise<any> {
  const r = await gw.json("POST", "/api/v1/jobs", body, t.h);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body;
}
