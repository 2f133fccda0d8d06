import { defineEventHandler } from "h3";
import { buildOpenApiDocument } from "../../../runtime/openapi/document";
import { version } from "../../../package.json";

// Public, like health: the document describes the API and holds no data. Built once, on first request.
let document: string | undefined;

export default defineEventHandler((event) => {
  event.node.res.setHeader("Content-Type", "application/json");
  return (document ??= JSON.stringify(buildOpenApiDocument(version)));
});
