import { defineEventHandler } from "h3";
import { useGateway } from "../../runtime/gateway";
import { anthropicAnswer } from "../../runtime/compat/anthropic-answer";
import { parseMessagesRequest } from "../../runtime/compat/anthropic-request";
import { respond } from "../../runtime/compat/respond";

// Anthropic Messages over the job queue: every request is a job (README: "OpenAI- and Anthropic-compatible APIs").
export default defineEventHandler((event) => respond(event, useGateway(), parseMessagesRequest, anthropicAnswer));
