import { defineEventHandler } from "h3";
import { useGateway } from "../../../../../runtime/gateway";
import { fileJson, sessionOf } from "../../../../../runtime/workspace/files-request";

export default defineEventHandler((event) => {
  const g = useGateway();
  const s = sessionOf(g, event);
  const files = g.workspaces.list(s.id);
  return { session_id: s.id, files: files.map(fileJson), total_bytes: files.reduce((n, f) => n + f.size, 0) };
});
