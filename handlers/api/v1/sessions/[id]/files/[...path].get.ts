import { defineEventHandler, setResponseHeader } from "h3";
import { useGateway } from "../../../../../../runtime/gateway";
import { httpError } from "../../../../../../runtime/http/errors";
import { pathOf, sessionOf, waitForTurnToSettle } from "../../../../../../runtime/workspace/files-request";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const s = await sessionOf(g, event);
  const path = pathOf(event);
  await waitForTurnToSettle(g, s, false);
  const data = await g.workspaces.read(s.id, path);
  if (!data) throw httpError(404, "file not found");
  setResponseHeader(event, "Content-Type", "application/octet-stream");
  setResponseHeader(event, "Content-Length", data.length);
  return data;
});
