import { defineEventHandler } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { fileJson, sessionOf, waitForTurnToSettle } from "../../../../../runtime/workspace/files-request";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const s = await sessionOf(g, event);
  await waitForTurnToSettle(g, s, false);
  const files = await g.workspaces.list(s.id);
  return { session_id: s.id, files: files.map(fileJson), total_bytes: files.reduce((n, f) => n + f.size, 0) };
});
