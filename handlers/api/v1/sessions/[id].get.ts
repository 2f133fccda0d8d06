import { defineEventHandler, getRouterParam } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { httpError } from "../../../../runtime/http/errors";
import { sessionDetail } from "../../../../runtime/session/session-json";
import { canSee, principalOf } from "../../../../runtime/tenants/principal";

export default defineEventHandler(async (event) => {
  const sessions = useGateway().store.sessions;
  const s = await sessions.get(getRouterParam(event, "id", { decode: true })!);
  // Another tenant's session is as unknown as a missing one.
  if (!s || !canSee(principalOf(event), s.owner)) throw httpError(404, "session not found");
  return sessionDetail(sessions, s);
});
