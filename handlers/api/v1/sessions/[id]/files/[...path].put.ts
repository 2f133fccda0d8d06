import { defineEventHandler, setResponseStatus } from "h3";
import { useGateway } from "../../../../../../runtime/gateway";
import { readBodyBytes } from "../../../../../../runtime/http/body";
import { httpError } from "../../../../../../runtime/http/errors";
import { principalOf } from "../../../../../../runtime/tenants/principal";
import { fileJson, pathOf, waitForTurnToSettle, sessionOf } from "../../../../../../runtime/workspace/files-request";

export default defineEventHandler(async (event) => {
  const g = useGateway();
  const s = await sessionOf(g, event);
  const path = pathOf(event);
  await waitForTurnToSettle(g, s);
  const max = g.workspaces.limits.maxFileBytes;
  const data = await readBodyBytes(event, max, `file must be at most ${max} bytes (CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES)`);
  const p = principalOf(event);
  const keyMax = p.kind === "tenant" ? p.key.limits.workspace_max_bytes : undefined;
  const existed = (await g.workspaces.stat(s.id, path)) !== undefined;
  const r = await g.workspaces.put(s.id, path, data, keyMax === undefined ? undefined : { id: s.owner, maxBytes: keyMax });
  if (!r.ok) throw httpError(r.status, r.error);
  setResponseStatus(event, existed ? 200 : 201);
  return fileJson(r.file);
});
