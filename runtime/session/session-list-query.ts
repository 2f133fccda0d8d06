// GET /api/v1/sessions query: the job list's paging rules (limit 1..100, default 20; offset >= 0).
import { listQuerySchema } from "../job/list-query";

export const sessionListQuerySchema = listQuerySchema.pick({ limit: true, offset: true });
