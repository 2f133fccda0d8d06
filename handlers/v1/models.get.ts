import { defineEventHandler, getRequestHeader } from "h3";
import { useGateway } from "../../runtime/gateway";
import { anthropicModelList, openaiModelList } from "../../runtime/compat/models";
import { dialectOf } from "../../runtime/compat/errors";

// The models the compatible APIs accept, in Anthropic's shape for a request with `anthropic-version` (its SDKs
// always send one), else in OpenAI's.
export default defineEventHandler((event) => {
  const { startedAt } = useGateway();
  if (dialectOf("/v1/models", getRequestHeader(event, "anthropic-version")) === "anthropic") {
    return anthropicModelList(new Date(startedAt).toISOString());
  }
  return openaiModelList(Math.floor(startedAt / 1000));
});
