// Model names the compatible APIs accept: exactly the job API's (runtime/config/schema.ts: the aliases haiku,
// sonnet, opus and full model ids claude-...), narrowed to CLAUDEGATE_ALLOWED_MODELS when the operator set it, so
// an operator-defined id listed there is served too. A name is passed to the CLI as the client wrote it, and
// the answer echoes it.
import { isModel, MODEL_RULE, MODELS, type Model } from "../config/schema";
import { refuse, type Parsed } from "./errors";

/** What GET /v1/models lists: the operator's allowed models, else the aliases (any full id is accepted too). */
export const servedModels = (allowed: readonly string[]): readonly string[] => (allowed.length ? allowed : MODELS);

export function resolveModel(name: unknown, allowed: readonly string[] = [], param = "model"): Parsed<Model> {
  const rule = allowed.length ? `one of ${allowed.join(", ")}` : MODEL_RULE;
  if (typeof name !== "string" || name.trim() === "") return refuse(`${param} is required: ${rule}`, param);
  if (isModel(name) && (!allowed.length || allowed.includes(name))) return { ok: true, value: name };
  return refuse(`The model '${name}' does not exist or is not served here: use ${rule}`, param, 404, "model_not_found");
}

/** Models a key may use: a tenant key's policy.models narrows the served list. */
export const modelsFor = (allowed: readonly string[], keyModels: readonly string[] | undefined) =>
  servedModels(allowed).filter((m) => !keyModels || keyModels.includes(m));

/** GET /v1/models in OpenAI's shape: a list of model objects. `created` is the server's start (seconds). */
export function openaiModelList(models: readonly string[], created: number) {
  return { object: "list", data: models.map((id) => ({ id, object: "model", created, owned_by: "anthropic" })) };
}

const DISPLAY: Record<string, string> = { haiku: "Claude Haiku", sonnet: "Claude Sonnet", opus: "Claude Opus" } satisfies Record<
  (typeof MODELS)[number],
  string
>;

/** GET /v1/models in Anthropic's shape (one page holds them all). */
export function anthropicModelList(models: readonly string[], createdAt: string) {
  const data = models.map((id) => ({ type: "model", id, display_name: DISPLAY[id] ?? id, created_at: createdAt }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
