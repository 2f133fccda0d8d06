import { defineEventHandler, getQuery } from "h3";
import { useGateway } from "../../../runtime/gateway";
import { writeJobList } from "../../../runtime/job/job-list-writer";
import { listQuerySchema } from "../../../runtime/job/list-query";
import { parseOrThrow } from "../../../runtime/http/validate";
import { principalOf, tenantOf } from "../../../runtime/tenants/principal";

export default defineEventHandler(async (event) => {
  const q = parseOrThrow(listQuerySchema, getQuery(event));
  const g = useGateway();
  const { ids, total } = await g.store.listIds({ ...q, owner: tenantOf(principalOf(event))?.id });
  await writeJobList(event.node.res, g, { ids, total, limit: q.limit, offset: q.offset });
});
