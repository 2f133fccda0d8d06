// Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature: v1,<base64>), made by the
// well-kept `standardwebhooks` package rather than by hand.
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

export class WebhookSigner {
  private readonly wh: Webhook;

  constructor(readonly secret: string) {
    this.wh = new Webhook(secret);
  }

  headers(msgId: string, body: string, at = new Date()): Record<string, string> {
    return {
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": this.wh.sign(msgId, at, body),
    };
  }
}

/** A new secret in the Standard Webhooks format: whsec_ + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}
