// A job as a submit creates it, before the store gives it its status and numbers.
import type { AgentOptions } from "./agent-options";
import type { ResponseFormat, WebhookEvent } from "./job";
import type { Model } from "../config/schema";

export interface NewJob {
  id: string;
  prompt: string;
  systemPrompt: string;
  model: Model;
  callbackUrl: string;
  webhookEvents: WebhookEvent[];
  metadata: string | undefined;
  responseFormat: ResponseFormat;
  jsonSchema?: string;
  timeoutSeconds: number | undefined;
  requestId: string;
  createdAt: number;
  /** The tenant key's id; '' for an operator key. */
  owner: string;
  /** The session the job is a turn of (created before, in the same transaction). */
  sessionId: string;
  fork: boolean;
  options?: AgentOptions;
}
