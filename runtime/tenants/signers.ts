// Which secret signs a delivery: its owner's, read when the delivery is sent (not fixed in the row). A tenant
// key's secret outlives its revocation (the row stays), so deliveries still pending at revocation go out
// signed as their receiver expects; after a rotation (PATCH rotate_webhook_secret) every attempt, retries of
// older deliveries included, carries the new signature.
import { WebhookSigner } from "../webhooks/signer";
import type { SignerFor } from "../webhooks/sender";
import type { KeyStore } from "./key-store";

export function signersFor(keys: KeyStore, operatorSecret: string): SignerFor {
  const operator = new WebhookSigner(operatorSecret);
  const bySecret = new Map<string, WebhookSigner>();
  return (owner) => {
    // Keys are never deleted, so an owner is always known; the operator's signer is only a safe default.
    const secret = owner === "" ? undefined : keys.get(owner)?.webhookSecret;
    if (secret === undefined) return operator;
    let signer = bySecret.get(secret);
    if (!signer) bySecret.set(secret, (signer = new WebhookSigner(secret)));
    return signer;
  };
}
