import { defineEventHandler } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { checkHealth } from "../../../runtime/health/check";

// The middleware sets `apiKey` on this public path only when the request sent a valid key.
export default defineEventHandler(async (event) => checkHealth(useGateway(), event.context.apiKey !== undefined));
