import { defineEventHandler, getQuery } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { parseOrThrow } from "../../../runtime/http/validate";
import { sessionSummary } from "../../../runtime/session/session-json";
import { sessionListQuerySchema } from "../../../runtime/session/session-list-query";
import { principalOf } from "../../../runtime/tenants/principal";

export default defineEventHandler(async (event) => {
  const q = parseOrThrow(sessionListQuerySchema, getQuery(event));
  const p = principalOf(event);
  const { sessions, total } = await useGateway().store.sessions.list({ ...q, owner: p.kind === "tenant" ? p.key.id : undefined });
  return { sessions: sessions.map(sessionSummary), limit: q.limit, offset: q.offset, total };
});
