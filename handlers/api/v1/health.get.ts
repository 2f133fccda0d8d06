import { defineEventHandler } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { checkHealth } from "../../../runtime/health/check";

export default defineEventHandler(() => checkHealth(useGateway()));
