// zod validation that fails as a 400 carrying the first issue's message.
import { z } from "zod";
import { httpError } from "./errors";

/** An optional whole number from 1 to `max`, with messages that name the field. */
export function positiveIntField(name: string, max: number) {
  return z
    .number({ error: `${name} must be a positive integer` })
    .int(`${name} must be a positive integer`)
    .min(1, `${name} must be a positive integer`)
    .max(max, `${name} must be at most ${max}`)
    .optional();
}

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw httpError(400, r.error.issues[0]?.message ?? "invalid request");
  return r.data;
}
