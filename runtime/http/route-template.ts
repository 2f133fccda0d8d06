// The route template a request path belongs to, for the HTTP metrics' `route` label: /api/v1/jobs/abc is
// /api/v1/jobs/{id}. Templates come from the routes Nitro registered (the file names under handlers/), so a new
// handler needs no change here; a path no route serves gets OTHER_ROUTE, so clients cannot mint label values.
import { routePattern, type RouteEntry } from "./allowed-methods";

export const OTHER_ROUTE = "other";

export class RouteTemplates {
  private readonly patterns: { re: RegExp; template: string }[];

  constructor(routes: readonly RouteEntry[]) {
    const templates = new Set<string>();
    for (const r of routes) if (!r.middleware && r.route) templates.add(r.route);
    this.patterns = [...templates]
      // Fewer parameters first: a literal segment wins over a parameter in the same place.
      .sort((a, b) => paramCount(a) - paramCount(b) || a.localeCompare(b))
      .map((route) => ({
        re: routePattern(route),
        // A catch-all `/**:path` is written `{path}`, as the OpenAPI document has it.
        template: route.replace(/\/\*\*:(\w+)$/, "/:$1").replace(/:(\w+)/g, "{$1}"),
      }));
  }

  /** The template of `path` (without its query), or OTHER_ROUTE. */
  match(path: string): string {
    for (const p of this.patterns) if (p.re.test(path)) return p.template;
    return OTHER_ROUTE;
  }
}

const paramCount = (route: string) => (route.match(/:\w+|\*\*/g) ?? []).length;
