// Where job transitions meet the outbox: called inside the transaction that changes the job, so the delivery
// row exists exactly when the status it reports does.
import type { Job } from "../job/job";
import type { WebhookOutbox } from "./outbox";
import { webhookPayload, webhookType } from "./payload";
import type { WebhookSender } from "./sender";
import type { Sql } from "../store/sql/sql";

export class Webhooks {
  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly sender: WebhookSender,
    private readonly maxAttempts: number,
  ) {}

  /** The `started` delivery of a job just claimed (written by the root handle `sql`, or in a transaction). */
  async jobStarted(sql: Sql, job: Job): Promise<void> {
    if (job.callbackUrl && job.webhookEvents.includes("started")) {
      await this.enqueue(sql, job, true);
      this.wake();
    }
  }

  /** The end's delivery, in the transaction `tx` that ends the job; call wake() once it has committed. */
  async jobFinished(tx: Sql, job: Job): Promise<void> {
    if (job.callbackUrl && job.webhookEvents.includes("completed")) await this.enqueue(tx, job, false);
  }

  wake(): void {
    this.sender.wake();
  }

  private async enqueue(sql: Sql, job: Job, started: boolean): Promise<void> {
    const type = webhookType(job, started);
    await this.outbox.in(sql).enqueue(job.id, type, job.callbackUrl, webhookPayload(job, type), this.maxAttempts, job.owner);
  }
}
