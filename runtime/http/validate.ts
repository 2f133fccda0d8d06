// zod validation that fails as a 400 carrying the first issue's message.
import type { z } from "zod";
import { httpError } from "./errors";

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw httpError(400, r.error.issues[0]?.message ?? "invalid request");
  return r.data;
}
