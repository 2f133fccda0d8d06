import { defineEventHandler } from "h3";
import { useGateway } from "../../../../runtime/gateway";

// The secret receivers verify signatures with (generated and kept next to the database when not configured).
export default defineEventHandler(() => ({ secret: useGateway().config.webhookSecret }));
