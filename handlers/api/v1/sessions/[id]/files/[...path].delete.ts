import { defineEventHandler, sendNoContent } from "h3";
import { useGateway } from "../../../../../../runtime/gateway";
import { httpError } from "../../../../../../runtime/http/errors";
import { pathOf, waitForTurnToSettle, sessionOf } from "../../../../../../runtime/workspace/files-request";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const s = await sessionOf(g, event);
  const path = pathOf(event);
  await waitForTurnToSettle(g, s);
  if (!(await g.workspaces.remove(s.id, path))) throw httpError(404, "file not found");
  return sendNoContent(event, 204);
});
