import { defineEventHandler, getQuery } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { collectTimeline } from "../../../../runtime/health/stats";
import { timelineQuerySchema } from "../../../../runtime/health/timeline";
import { parseOrThrow } from "../../../../runtime/http/validate";

// The Status view's figures: per minute over the last `minutes` (operator key: runtime/http/middleware.ts).
export default defineEventHandler((event) => collectTimeline(useGateway(), parseOrThrow(timelineQuerySchema, getQuery(event)).minutes));
