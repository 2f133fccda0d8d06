// Sends due deliveries from the outbox, a few at a time, and records each attempt. It holds nothing that
// the outbox does not: after a restart it simply picks up the pending rows.
import { log } from "../log";
import { webhookAttempt } from "../metrics/observe";
import type { AddressPolicy } from "./address-policy";
import { attemptDelivery, type Dialer } from "./dial";
import type { Delivery, WebhookOutbox } from "./outbox";
import { describeOutcome, nextStep } from "./retry-policy";
import type { WebhookSigner } from "./signer";

/** The signer of a delivery's owner: the operator secret for '', a tenant key's own secret otherwise. */
export type SignerFor = (owner: string) => WebhookSigner;

/** How long past an attempt's timeout a taken delivery stays with the instance that took it. */
const LEASE_MARGIN_MS = 30_000;

export interface SenderOptions {
  timeoutMs: number;
  scheduleMs: readonly number[];
  concurrency?: number;
  /** The longest the sender sleeps without looking at the outbox (a safety net; wake() is the fast path). */
  idlePollMs?: number;
}

export class WebhookSender {
  private readonly inflight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticking = false;
  private tickAgain = false;

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly policy: AddressPolicy,
    private readonly signerFor: SignerFor,
    private readonly dialer: Dialer,
    private readonly opts: SenderOptions,
  ) {}

  /** Looks at the outbox now (after an enqueue or a manual retry). */
  wake(): void {
    this.arm(0);
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, Math.min(ms, this.opts.idlePollMs ?? 30_000)));
    this.timer.unref();
  }

  private tick(): void {
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    void this.takeDue()
      .catch((err: unknown) => {
        log("warn", "webhook: could not read the outbox", { error: String((err as Error)?.message ?? err) });
        this.arm(1000);
      })
      .finally(() => {
        this.ticking = false;
        if (this.tickAgain) {
          this.tickAgain = false;
          this.arm(0);
        }
      });
  }

  private async takeDue(): Promise<void> {
    if (this.stopped) return;
    // One clock reading for the whole tick: a timer may fire a millisecond early, and reading the clock twice
    // could then find nothing due yet but the next row already past, and sleep through it.
    const now = Date.now();
    const free = (this.opts.concurrency ?? 8) - this.inflight.size;
    if (free > 0) {
      // Taken for one attempt: due again after the attempt's timeout and a margin if this instance dies meanwhile.
      for (const d of await this.outbox.take(now, free, this.opts.timeoutMs + LEASE_MARGIN_MS)) {
        const p = this.send(d).finally(() => {
          this.inflight.delete(d.id);
          this.wake();
        });
        this.inflight.set(d.id, p);
      }
    }
    // A due row we did not start waits for a free slot: a finishing send wakes us for it.
    const next = await this.outbox.nextDueAt();
    const later = Date.now();
    this.arm(next === null ? Number.MAX_SAFE_INTEGER : next <= later ? (this.inflight.size >= (this.opts.concurrency ?? 8) ? Number.MAX_SAFE_INTEGER : 0) : next - later);
  }

  private async send(d: Delivery): Promise<void> {
    const n = d.attempts + 1;
    const started = Date.now();
    const outcome = await attemptDelivery(
      d.url,
      d.payload,
      { ...this.signerFor(d.owner).headers(d.id, d.payload, new Date(started)), "Content-Type": "application/json", "User-Agent": "ClaudeGate-Webhook/1" },
      this.policy,
      this.dialer,
      this.opts.timeoutMs,
    );
    if (this.stopped) return; // shutting down: the row stays pending and is sent again after the restart
    const next = nextStep(outcome, n, d.maxAttempts, this.opts.scheduleMs);
    const { statusCode, error } = describeOutcome(outcome);
    const durationMs = Date.now() - started;
    await this.outbox.record(d, n, { at: started, statusCode, error, durationMs }, next);
    webhookAttempt(outcome, next, durationMs);
    const fields = { job_id: d.jobId, request_id: d.requestId, delivery_id: d.id, type: d.type, attempt: n, status_code: statusCode ?? undefined, duration_ms: durationMs };
    if (next.state === "delivered") log("info", "webhook delivered", fields);
    else if (next.state === "pending") log("info", "webhook attempt failed; will retry", { ...fields, error: error ?? undefined, retry_at: new Date(next.at).toISOString() });
    else log("warn", "webhook: delivery failed", { ...fields, reason: next.reason });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // In-flight attempts end by their own timeout; their rows stay pending if we exit first.
  }
}
