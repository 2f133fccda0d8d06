import { defineEventHandler } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { openaiAnswer } from "../../../runtime/compat/openai-answer";
import { parseChatCompletion } from "../../../runtime/compat/openai-request";
import { respond } from "../../../runtime/compat/respond";

// OpenAI Chat Completions over the job queue: every request is a job (README: "OpenAI- and Anthropic-compatible APIs").
export default defineEventHandler((event) => respond(event, useGateway(), parseChatCompletion, openaiAnswer));
