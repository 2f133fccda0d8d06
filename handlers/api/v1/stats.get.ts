import { defineEventHandler } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { collectStats } from "../../../runtime/health/stats";

export default defineEventHandler(() => collectStats(useGateway()));
