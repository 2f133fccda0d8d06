// `json_schema` checked by a real JSON Schema validator (Ajv, draft 2020-12, which also reads draft-07 schemas
// that do not name another draft): a schema that does not compile is refused at submit, and the structured
// output a run returns must validate against it, or the job fails `schema_mismatch`.
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";

// strict: false: keywords Ajv does not know (e.g. "examples" spelled otherwise, vendor extensions) are ignored
// as JSON Schema says, rather than refusing schemas the CLI takes.
const ajv = new Ajv2020({ strict: false, allErrors: false });

/** Compiled validators by schema text: the same schema is sent again and again by one client. */
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 200;

function validatorFor(schemaText: string): ValidateFunction {
  let v = compiled.get(schemaText);
  if (!v) {
    v = ajv.compile(JSON.parse(schemaText) as object);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(schemaText, v);
  }
  return v;
}

/** Why the schema is not a usable JSON Schema; undefined when it is. */
export function schemaError(schema: object): string | undefined {
  try {
    validatorFor(JSON.stringify(schema));
    return undefined;
  } catch (err) {
    return (err as Error).message.split("\n")[0];
  }
}

/** Why `value` does not validate against the schema (first problem, with its JSON pointer); undefined when it does. */
export function mismatch(schemaText: string, value: unknown): string | undefined {
  const validate = validatorFor(schemaText);
  if (validate(value)) return undefined;
  const e = validate.errors?.[0];
  return e ? `${e.instancePath || "/"} ${e.message ?? "is invalid"}` : "does not match";
}
