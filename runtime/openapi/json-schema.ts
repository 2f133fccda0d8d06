// zod → JSON Schema (2020-12, the dialect of OpenAPI 3.1), tidied for the document.
import { z } from "zod";

type Json = Record<string, unknown>;
type Io = "input" | "output";

/**
 * Named schemas as `components.schemas`, referencing each other with `$ref` where one is nested in another.
 * Requests are converted as input (what a client may send), responses as output (what it gets).
 */
export function componentSchemas(named: Record<string, z.ZodType>, io: Io): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, unrepresentable: "any", uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => [id, tidy(s as Json)]));
}

/** The fields of a query schema as OpenAPI query parameters. */
export function queryParameters(schema: z.ZodObject): Json[] {
  const json = tidy(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json);
  const props = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, examples, ...rest } = s;
    return {
      name,
      in: "query",
      required: required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
      ...(Array.isArray(examples) && examples.length ? { example: examples[0] } : {}),
    };
  });
}

// zod writes `$schema`/`$id` on every component, the safe-integer bounds on every `z.int()`, and a long regex
// next to every `format` (date-time, uuid): noise in a document whose dialect is already 2020-12.
function tidy(node: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$schema" || k === "$id" || (k === "pattern" && typeof node.format === "string")) continue;
    if ((k === "minimum" && v === Number.MIN_SAFE_INTEGER) || (k === "maximum" && v === Number.MAX_SAFE_INTEGER)) continue;
    out[k] = Array.isArray(v) ? v.map((x) => (isObj(x) ? tidy(x) : x)) : isObj(v) ? tidy(v) : v;
  }
  return out;
}

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
