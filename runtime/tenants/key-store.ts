// Tenant keys: the api_keys table, and an in-memory copy of it that authentication reads, so a request costs
// no database read. Every change goes through this class, which updates the copy in the same step: a revoked
// key is refused by the very next request on this process.
// Several instances on one PostgreSQL database tell each other of a change (`onChange`: NOTIFY), and each
// re-reads the table then (`reload`) and every few seconds, in case a notification was lost.
import { randomBytes } from "node:crypto";
// Keys are 32 random bytes: a plain SHA-256 identifies one without exposing it (no salt or KDF is needed).
import { sha256 } from "../job/idempotency";
import { SharedCopy } from "../store/shared-copy";
import type { Sql } from "../store/sql/sql";
import { newWebhookSecret } from "../webhooks/signer";
import type { KeyPolicy } from "./policy";

export interface TenantKey {
  id: string;
  name: string;
  /** The key's own policy, as the operator set it. */
  policy: KeyPolicy;
  /** What is enforced: the own policy over the operator's defaults (CLAUDEGATE_TENANT_DEFAULT_POLICY). */
  limits: KeyPolicy;
  webhookSecret: string;
  createdAt: number;
  revokedAt: number | null;
}

interface KeyRow {
  id: string;
  name: string;
  secret_hash: string;
  policy: string;
  webhook_secret: string;
  created_at: number;
  revoked_at: number | null;
}

export type KeyChange<T> = T | "not_found" | "name_taken" | "revoked";

export class KeyStore {
  /** Every key, revoked ones included (their webhook secret still signs their pending deliveries). */
  private readonly byId = new Map<string, TenantKey>();
  /** Active keys by the hash of their secret. */
  private readonly active = new Map<string, TenantKey>();
  private readonly hashes = new Map<string, string>();
  /** Reads of the table and changes made here, ordered: a stale read is never applied. */
  private readonly copy = new SharedCopy();

  constructor(
    private readonly sql: Sql,
    private readonly defaults: KeyPolicy = {},
    private readonly onChange: () => Promise<void> = async () => {},
  ) {}

  /** Reads every key into memory: at start-up, and when another instance changed one. */
  async reload(): Promise<void> {
    await this.copy.read(
      () => this.sql.all<KeyRow>(`SELECT * FROM api_keys ORDER BY created_at, id`),
      (rows) => {
        this.byId.clear();
        this.active.clear();
        this.hashes.clear();
        for (const r of rows) this.remember(r);
      },
    );
  }

  private remember(r: KeyRow): TenantKey {
    const policy = JSON.parse(r.policy) as KeyPolicy;
    const key: TenantKey = {
      id: r.id,
      name: r.name,
      policy,
      limits: this.withDefaults(policy),
      webhookSecret: r.webhook_secret,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
    };
    this.byId.set(key.id, key);
    this.hashes.set(key.id, r.secret_hash);
    if (key.revokedAt === null) this.active.set(r.secret_hash, key);
    return key;
  }

  /** A field the key's policy leaves out comes from the defaults; a budget is taken as a pair. */
  private withDefaults(policy: KeyPolicy): KeyPolicy {
    const merged = { ...this.defaults, ...policy };
    if (policy.budget_usd !== undefined) merged.budget_period = policy.budget_period;
    return merged;
  }

  /** The active tenant key a request presents, or undefined. */
  authenticate(secret: string): TenantKey | undefined {
    return this.active.get(sha256(secret));
  }

  list(): TenantKey[] {
    return [...this.byId.values()];
  }

  get(id: string): TenantKey | undefined {
    return this.byId.get(id);
  }

  isActive(id: string): boolean {
    return this.byId.get(id)?.revokedAt === null;
  }

  /** Creates a key; its secret is returned here and never again. */
  async create(name: string, policy: KeyPolicy, now = Date.now()): Promise<KeyChange<{ key: TenantKey; secret: string }>> {
    const secret = `cg_${randomBytes(32).toString("base64url")}`;
    const row: KeyRow = {
      id: `key_${randomBytes(8).toString("hex")}`,
      name,
      secret_hash: sha256(secret),
      policy: JSON.stringify(policy),
      webhook_secret: newWebhookSecret(),
      created_at: now,
      revoked_at: null,
    };
    const inserted = await this.copy.change(() =>
      this.sql.run(
        `INSERT INTO api_keys (id, name, secret_hash, policy, webhook_secret, created_at)
         VALUES (@id, @name, @hash, @policy, @webhookSecret, @createdAt) ON CONFLICT (name) DO NOTHING`,
        { id: row.id, name, hash: row.secret_hash, policy: row.policy, webhookSecret: row.webhook_secret, createdAt: now },
      ),
    );
    if (inserted !== 1) return "name_taken";
    const key = this.remember(row);
    await this.onChange();
    return { key, secret };
  }

  /** Renames, replaces the policy, and/or gives the key a new webhook secret (used from the next attempt on). */
  async update(id: string, change: { name?: string; policy?: KeyPolicy; rotate_webhook_secret?: boolean }): Promise<KeyChange<TenantKey>> {
    const key = this.byId.get(id);
    if (!key) return "not_found";
    if (key.revokedAt !== null) return "revoked";
    const name = change.name ?? key.name;
    if ((await this.sql.value(`SELECT 1 FROM api_keys WHERE name = ? AND id != ?`, [name, id])) !== undefined) return "name_taken";
    const policy = change.policy ?? key.policy;
    const webhookSecret = change.rotate_webhook_secret ? newWebhookSecret() : key.webhookSecret;
    await this.copy.change(() =>
      this.sql.run(`UPDATE api_keys SET name = @name, policy = @policy, webhook_secret = @webhookSecret WHERE id = @id`, {
        id,
        name,
        policy: JSON.stringify(policy),
        webhookSecret,
      }),
    );
    // Replaced, not mutated: a request holding the old object keeps a consistent view of it.
    const next: TenantKey = { ...key, name, policy, limits: this.withDefaults(policy), webhookSecret };
    this.byId.set(id, next);
    this.active.set(this.hashes.get(id)!, next);
    await this.onChange();
    return next;
  }

  /** Revokes a key at once; revoking a revoked key changes nothing and returns it. */
  async revoke(id: string, now = Date.now()): Promise<KeyChange<TenantKey>> {
    const key = this.byId.get(id);
    if (!key) return "not_found";
    if (key.revokedAt !== null) return key;
    const next: TenantKey = { ...key, revokedAt: now };
    // Refused here from this moment, before the write lands.
    this.byId.set(id, next);
    this.active.delete(this.hashes.get(id)!);
    await this.copy.change(() => this.sql.run(`UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL`, { id, now }));
    await this.onChange();
    return next;
  }
}
