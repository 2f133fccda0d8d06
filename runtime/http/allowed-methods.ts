// The methods a path supports, derived from the routes Nitro registered (the file names under handlers/),
// for the `Allow` header of a 405.
export interface RouteEntry {
  route?: string;
  method?: string;
  middleware?: boolean;
}

export function allowedMethods(routes: readonly RouteEntry[], path: string): string[] {
  const methods = new Set<string>();
  for (const r of routes) {
    if (r.middleware || !r.route || !r.method) continue;
    // A catch-all (`/**`, or `/**:name` from a `[...name]` file) matches the rest of the path.
    const pattern = new RegExp(
      "^" +
        r.route
          .replace(/\/\*\*(?::\w+)?$/, "\u0000")
          .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
          .replace(/:\w+/g, "[^/]+")
          .replace("\u0000", "(?:/.*)?") +
        "/?$",
    );
    if (pattern.test(path)) methods.add(r.method.toUpperCase());
  }
  return [...methods].sort();
}
