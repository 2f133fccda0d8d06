// A finished run of a job with `json_schema`: its structured output (the result, as JSON text) must validate
// against the schema, checked by the gateway itself rather than trusted from the model.
import type { Finish } from "./run-outcome";
import type { Job } from "./job";
import { mismatch } from "./json-schema-check";

export function checkStructuredOutput(job: Pick<Job, "jsonSchema">, f: Finish): Finish {
  if (job.jsonSchema === undefined || f.status !== "completed") return f;
  let why: string | undefined;
  try {
    why = mismatch(job.jsonSchema, JSON.parse(f.result));
  } catch (err) {
    why = `could not be checked: ${(err as Error).message}`;
  }
  if (why === undefined) return f;
  return { ...f, status: "failed", error: `structured output does not match json_schema: ${why}`, errorCode: "schema_mismatch" };
}
