// CLAUDEGATE_WORKSPACE_STORAGE: `db` (the gateway's database, the default) or `fs:<directory>`.
export type WorkspaceStorageSpec = { kind: "db" } | { kind: "fs"; dir: string };

/** Parses the variable; undefined when it names no known driver. */
export function parseStorageSpec(v: string): WorkspaceStorageSpec | undefined {
  if (v === "db") return { kind: "db" };
  if (v.startsWith("fs:") && v.length > 3) return { kind: "fs", dir: v.slice(3) };
  return undefined;
}
