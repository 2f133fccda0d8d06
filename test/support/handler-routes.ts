// The API's routes as Nitro's file routing derives them from handlers/: `jobs/[id].get.ts` is
// `GET /api/v1/jobs/{id}` (written the OpenAPI way; a catch-all `[...path]` is `{path}`). Tests compare documents against this list, so a new
// handler without documentation fails them.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "./gateway-process";

const METHOD_SUFFIX = /\.(get|post|put|patch|delete|head|options)$/;

export function handlerRoutes(dir = join(ROOT, "handlers")): string[] {
  const routes: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = relative(dir, join(entry.parentPath, entry.name)).replace(/\.ts$/, "");
    const method = METHOD_SUFFIX.exec(file)?.[1];
    if (!method) throw new Error(`handlers/${file}.ts answers every method: give it a method suffix or document it by hand`);
    const path = `/${file.replace(METHOD_SUFFIX, "")}`.replace(/\/index$/, "").replace(/\[(?:\.\.\.)?(\w+)\]/g, "{$1}");
    routes.push(`${method.toUpperCase()} ${path}`);
  }
  return routes.sort();
}

/** The same list from an OpenAPI document's paths. */
export function documentedRoutes(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  const methods = new Set(["get", "post", "put", "patch", "delete", "head", "options"]);
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((k) => methods.has(k)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}
