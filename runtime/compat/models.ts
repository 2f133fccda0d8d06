// Model names the compatible APIs accept: the gateway's aliases (haiku, sonnet, opus) and full Claude model ids,
// which run as their family's alias (the CLI resolves an alias to its current id itself). The answer echoes the
// name the client asked for.
import { MODELS, type Model } from "../config/schema";
import { refuse, type Parsed } from "./errors";

const FULL_ID = /^claude-(?:[\w.]+-)*?(haiku|sonnet|opus)(?:-[\w.]+)*$/;

export function resolveModel(name: unknown, param = "model"): Parsed<Model> {
  if (typeof name !== "string" || name.trim() === "") return refuse(`${param} is required: one of ${MODELS.join(", ")} or a full Claude model id`, param);
  if ((MODELS as readonly string[]).includes(name)) return { ok: true, value: name as Model };
  const family = FULL_ID.exec(name)?.[1];
  if (family) return { ok: true, value: family as Model };
  return refuse(
    `The model '${name}' does not exist or is not served here: use one of ${MODELS.join(", ")} or a full Claude model id (claude-...)`,
    param,
    404,
    "model_not_found",
  );
}

/** GET /v1/models in OpenAI's shape: a list of model objects. `created` is the server's start (seconds). */
export function openaiModelList(created: number) {
  return { object: "list", data: MODELS.map((id) => ({ id, object: "model", created, owned_by: "anthropic" })) };
}

const DISPLAY: Record<Model, string> = { haiku: "Claude Haiku", sonnet: "Claude Sonnet", opus: "Claude Opus" };

/** GET /v1/models in Anthropic's shape (one page holds them all). */
export function anthropicModelList(createdAt: string) {
  const data = MODELS.map((id) => ({ type: "model", id, display_name: DISPLAY[id], created_at: createdAt }));
  return { data, has_more: false, first_id: data[0]!.id, last_id: data.at(-1)!.id };
}
