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
    if (routePattern(r.route).test(path)) methods.add(r.method.toUpperCase());
  }
  return [...methods].sort();
}

/** A Nitro route (`:name` parameters; a catch-all `/**`, or `/**:name` from a `[...name]` file, matches the rest of the path) as a RegExp. */
export function routePattern(route: string): RegExp {
  return new RegExp(
    "^" +
      route
        .replace(/\/\*\*(?::\w+)?$/, "\u0000")
        .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
        .replace(/:\w+/g, "[^/]+")
        .replace("\u0000", "(?:/.*)?") +
      "/?$",
  );
}
