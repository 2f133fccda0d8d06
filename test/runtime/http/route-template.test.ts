// The HTTP metric's route label: a template from the registered routes, never the raw path.
import { describe, expect, it } from "vitest";
import { OTHER_ROUTE, RouteTemplates } from "../../../runtime/http/route-template";
import { handlerRoutes } from "../../support/handler-routes";

// The routes as Nitro registers them from handlers/ (`:id` parameters), plus a middleware entry, which has none.
const nitroRoutes = handlerRoutes().map((r) => {
  const [method, path] = r.split(" ") as [string, string];
  return { route: path.replace(/\{(\w+)\}/g, ":$1"), method: method.toLowerCase() };
});
const templates = new RouteTemplates([{ middleware: true }, ...nitroRoutes]);

describe("route templates", () => {
  it("maps a path with ids to its route's template", () => {
    expect(templates.match("/api/v1/jobs/3479044e-64ff-4f0d-8cd3-d0b06a93d07f")).toBe("/api/v1/jobs/{id}");
    expect(templates.match("/api/v1/jobs/abc/cancel")).toBe("/api/v1/jobs/{id}/cancel");
    expect(templates.match("/api/v1/jobs/abc/deliveries/d-1/retry")).toBe("/api/v1/jobs/{id}/deliveries/{deliveryId}/retry");
    expect(templates.match("/api/v1/jobs/")).toBe("/api/v1/jobs");
  });

  it("prefers a literal segment to a parameter", () => {
    expect(templates.match("/api/v1/stats/timeline")).toBe("/api/v1/stats/timeline");
    expect(templates.match("/api/v1/stats")).toBe("/api/v1/stats");
  });

  it("gives every registered route its own template, from a path made of it", () => {
    for (const r of handlerRoutes()) {
      const template = r.split(" ")[1]!;
      expect(templates.match(template.replace(/\{\w+\}/g, "x-1"))).toBe(template);
    }
  });

  it("maps a catch-all route (a [...path] file, which Nitro registers as /**:path) to one template", () => {
    const files = new RouteTemplates([{ route: "/api/v1/sessions/:id/files/**:path", method: "get" }]);
    expect(files.match("/api/v1/sessions/s-1/files/a/b/c.txt")).toBe("/api/v1/sessions/{id}/files/{path}");
    expect(files.match("/api/v1/sessions/s-1/files/c.txt")).toBe("/api/v1/sessions/{id}/files/{path}");
  });

  it("maps a path no route serves to one fixed label", () => {
    for (const p of ["/", "/nope", "/api/v1/jobs/a/b/c/d", "/api/v1/unknown", "/wp-admin/x.php", "/metrics/extra"]) {
      expect(templates.match(p), p).toBe(OTHER_ROUTE);
    }
  });
});
