import { defineEventHandler, getRequestHeader } from "h3";
import { useGateway } from "../../runtime/gateway";
import { anthropicModelList, modelsFor, openaiModelList } from "../../runtime/compat/models";
import { dialectOf } from "../../runtime/compat/errors";
import { principalOf } from "../../runtime/tenants/principal";

// The models this key may use through the compatible APIs, in Anthropic's shape for a request with
// `anthropic-version` (its SDKs always send one), else in OpenAI's.
export default defineEventHandler((event) => {
  const { startedAt, config } = useGateway();
  const principal = principalOf(event);
  const models = modelsFor(config.allowedModels, principal.kind === "tenant" ? principal.key.limits.models : undefined);
  if (dialectOf("/v1/models", getRequestHeader(event, "anthropic-version")) === "anthropic") {
    return anthropicModelList(models, new Date(startedAt).toISOString());
  }
  return openaiModelList(models, Math.floor(startedAt / 1000));
});
