// Where job transitions meet the outbox: called inside the transaction that changes the job, so the delivery
// row exists exactly when the status it reports does.
import type { Job } from "../job/job";
import type { WebhookOutbox } from "./outbox";
import { webhookPayload, webhookType } from "./payload";
import type { WebhookSender } from "./sender";

export class Webhooks {
  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly sender: WebhookSender,
    private readonly maxAttempts: number,
  ) {}

  jobStarted(job: Job): void {
    if (job.callbackUrl && job.webhookEvents.includes("started")) this.enqueue(job, true);
  }

  jobFinished(job: Job): void {
    if (job.callbackUrl && job.webhookEvents.includes("completed")) this.enqueue(job, false);
  }

  private enqueue(job: Job, started: boolean): void {
    const type = webhookType(job, started);
    this.outbox.enqueue(job.id, type, job.callbackUrl, webhookPayload(job, type), this.maxAttempts, job.owner);
    this.sender.wake(); // a timer: it looks after this transaction has committed
  }
}
