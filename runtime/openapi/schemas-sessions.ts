// Response schemas of sessions and their workspaces (see schemas.ts for what these schemas are for).
import { z } from "zod";
import { ERROR_CODES, STATUSES } from "../job/job";
import { count, timestamp } from "./schema-parts";

const sessionFields = {
  session_id: z.uuid().describe("The gateway's id of the session"),
  parent_session_id: z.string().optional().describe("The session this one was forked from"),
  created_at: timestamp,
  last_active_at: timestamp.describe("When a turn was last submitted or stored its transcript"),
  key_id: z.string().optional().describe("The tenant key that created the session; absent for operator keys'"),
};

export const sessionSummarySchema = z.object(sessionFields).describe("A session: a conversation whose turns are jobs");

export const sessionSchema = z
  .object({
    ...sessionFields,
    turns: z
      .array(
        z.object({
          job_id: z.uuid(),
          status: z.enum(STATUSES),
          error_code: z.enum(ERROR_CODES).optional(),
          created_at: timestamp,
          completed_at: timestamp.optional(),
        }),
      )
      .describe("Its jobs in submission order (the TTL cleanup deletes old ones)"),
    running_job_id: z.uuid().optional().describe("The turn whose CLI runs now"),
    usage: z
      .object({ input_tokens: count, output_tokens: count, cache_creation_input_tokens: count, cache_read_input_tokens: count })
      .describe("Tokens of its turns together"),
    cost_usd: z.number().min(0).describe("Sum of its turns' `cost_usd`"),
  })
  .describe("A session with its turns");

export const sessionListSchema = z.object({
  sessions: z.array(sessionSummarySchema).describe("Newest first"),
  limit: z.int().min(1).max(100).describe("The limit used, after clamping"),
  offset: count.describe("The offset used, after clamping"),
  total: count.describe("Sessions this key may see"),
});

export const workspaceFileSchema = z
  .object({
    path: z.string(),
    size: count.describe("Bytes"),
    sha256: z.string().describe("Hex SHA-256 of the contents"),
    modified_at: timestamp,
  })
  .describe("A file of a session's workspace");

export const fileListSchema = z.object({
  session_id: z.uuid(),
  files: z.array(workspaceFileSchema).describe("By path"),
  total_bytes: count,
});
