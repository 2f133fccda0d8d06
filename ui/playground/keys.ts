// The Keys view, for operator keys only: it shows itself when GET /api/v1/keys answers (a tenant key gets 403
// and the view stays hidden). Creates a key (its secret is shown once, here), lists every key with its policy
// and state, and revokes one (its queued jobs are cancelled).
import { api, ApiError } from "./api";
import { byId, h, notice } from "./dom";

interface Key {
  id: string;
  name: string;
  policy: Record<string, unknown>;
  created_at: string;
  revoked_at: string | null;
}

export class KeysView {
  private readonly card = byId("keys");
  private readonly body = byId<HTMLTableSectionElement>("keys-rows");
  private readonly name = byId<HTMLInputElement>("key-name");
  private readonly policy = byId<HTMLTextAreaElement>("key-policy");
  private readonly created = byId("key-created");
  private readonly error = byId("keys-error");

  constructor() {
    byId("key-create").addEventListener("submit", (e) => {
      e.preventDefault();
      void this.create();
    });
  }

  async refresh(): Promise<void> {
    try {
      const { keys } = await api<{ keys: Key[] }>("GET", "/api/v1/keys");
      this.card.hidden = false;
      this.render(keys);
    } catch (err) {
      // 403: a tenant key; 401: no or a wrong key (the key field says so). Either way, not an operator's page.
      this.card.hidden = true;
      if (!(err instanceof ApiError && (err.status === 401 || err.status === 403))) {
        this.card.hidden = false;
        notice(this.error, (err as Error).message);
      }
    }
  }

  private async create(): Promise<void> {
    let policy: unknown;
    if (this.policy.value.trim()) {
      try {
        policy = JSON.parse(this.policy.value);
      } catch {
        return notice(this.error, "Policy must be JSON, e.g. {\"max_running\": 1}.");
      }
    }
    try {
      const key = await api<Key & { key: string }>("POST", "/api/v1/keys", { name: this.name.value, ...(policy === undefined ? {} : { policy }) });
      notice(this.error, "");
      this.created.hidden = false;
      byId("key-created-name").textContent = key.name;
      byId("key-secret").textContent = key.key;
      this.name.value = "";
      this.policy.value = "";
    } catch (err) {
      notice(this.error, (err as Error).message);
    }
    await this.refresh();
  }

  private render(keys: Key[]): void {
    this.body.replaceChildren(
      ...(keys.length ? keys.map((k) => this.row(k)) : [h("tr", {}, h("td", { colspan: "4", class: "empty" }, "No tenant keys yet."))]),
    );
  }

  private row(k: Key): HTMLTableRowElement {
    const actions = h("td", { class: "actions" });
    if (k.revoked_at === null) {
      const revoke = h("button", { type: "button", class: "link danger" }, "Revoke");
      revoke.addEventListener("click", async () => {
        revoke.disabled = true;
        try {
          await api("DELETE", `/api/v1/keys/${encodeURIComponent(k.id)}?queued=cancel`);
        } catch (err) {
          notice(this.error, (err as Error).message);
        }
        await this.refresh();
      });
      actions.append(revoke);
    }
    const policy = Object.keys(k.policy).length ? JSON.stringify(k.policy) : "no limits";
    return h(
      "tr",
      { "data-key-id": k.id },
      h("td", { title: k.id }, k.name),
      h("td", { class: "policy" }, h("code", {}, policy)),
      h("td", {}, h("span", { class: "pill", "data-status": k.revoked_at ? "cancelled" : "completed" }, k.revoked_at ? "revoked" : "active")),
      actions,
    );
  }
}
