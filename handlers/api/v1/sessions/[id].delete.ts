import { defineEventHandler, getRouterParam, sendNoContent } from "h3";
import { useGateway } from "../../../../runtime/gateway";
import { httpError } from "../../../../runtime/http/errors";
import { deleteSession } from "../../../../runtime/session/delete-session";
import { canSee, principalOf } from "../../../../runtime/tenants/principal";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const id = getRouterParam(event, "id", { decode: true })!;
  const s = await g.store.sessions.get(id);
  if (!s || !canSee(principalOf(event), s.owner) || !(await deleteSession(g.jobs, g.workspaces, id))) throw httpError(404, "session not found");
  return sendNoContent(event, 204);
});
