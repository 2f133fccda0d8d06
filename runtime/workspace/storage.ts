// Where workspace file contents live: an unstorage driver chosen by CLAUDEGATE_WORKSPACE_STORAGE. `db` (the
// default) keeps them in the gateway's own database through unstorage's db0 driver, on the same db0 connection
// (table workspace_blobs, made by migration 15 in the driver's layout); `fs:<dir>` keeps them as files under dir.
import { createStorage, type Storage } from "unstorage";
import db0Driver from "unstorage/drivers/db0";
import fsDriver from "unstorage/drivers/fs";
import type { Db0 } from "../store/sql/db0-connector";
import type { WorkspaceStorageSpec } from "./storage-spec";


// The db0 driver says once, on stderr and not as a log line, that it is experimental; we know, and our table is
// made by a migration. The flag is the driver's own (drivers/db0.mjs).
(globalThis as Record<string, unknown>).__unstorage_db0_experimental_warning__ = true;

export function createWorkspaceStorage(spec: WorkspaceStorageSpec, db0: Db0): Storage {
  if (spec.kind === "fs") return createStorage({ driver: fsDriver({ base: spec.dir }) });
  return createStorage({ driver: db0Driver({ database: db0, tableName: "workspace_blobs" }) });
}
