// The Allow header of a 405 from the route table, with a catch-all route among them (a `[...path]` handler is
// `/**:path` in Nitro's table: before, it made the pattern an invalid regular expression and every 405 lost Allow).
import { describe, expect, it } from "vitest";
import { allowedMethods } from "../../../runtime/http/allowed-methods";

const routes = [
  { route: "/api/v1/keys/:id", method: "get" },
  { route: "/api/v1/keys/:id", method: "delete" },
  { route: "/api/v1/sessions/:id/files/**:path", method: "get" },
  { route: "/api/v1/sessions/:id/files/**:path", method: "put" },
  { route: "/api/v1/anything/**", method: "post" },
  { middleware: true },
];

describe("allowedMethods", () => {
  it("answers for plain, catch-all and named catch-all routes", () => {
    expect(allowedMethods(routes, "/api/v1/keys/key_1")).toEqual(["DELETE", "GET"]);
    expect(allowedMethods(routes, "/api/v1/sessions/s1/files/a/b.txt")).toEqual(["GET", "PUT"]);
    expect(allowedMethods(routes, "/api/v1/anything/x/y")).toEqual(["POST"]);
    expect(allowedMethods(routes, "/api/v1/other")).toEqual([]);
  });
});
