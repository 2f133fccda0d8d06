// Serves the built pages (`/` the playground, `/docs/` the API reference, `/assets/*`) from Nitro's public-asset
// manifest. It replaces Nitro's own static handler, which runs before every other handler and so would answer
// without the X-Request-ID (and CORS) headers our middleware puts on every response; this one is registered
// after the middleware (ui/nitro-module.ts). Paths with no asset fall through to the routes and their 404.
import { defineEventHandler, getRequestHeader, sendRedirect, setResponseHeader, setResponseStatus } from "h3";
// @ts-expect-error Nitro's virtual modules: the manifest of .output/public, and its reader from disk
import assets from "#nitro-internal-virtual/public-assets-data";
// @ts-expect-error (see above)
import { readAsset } from "#nitro-internal-virtual/public-assets-node";
import { PAGE_SECURITY_HEADERS } from "./page-headers";

interface Asset {
  type: string;
  etag: string;
  mtime: string;
  size: number;
}

const manifest = assets as Record<string, Asset>;

export default defineEventHandler(async (event) => {
  if (event.method !== "GET" && event.method !== "HEAD") return;
  const [rawPath, query] = event.path.split("?");
  const path = rawPath!.replace(/\/+$/, "") || "/";
  if (path.startsWith("/api/")) return;
  let id: string;
  try {
    id = decodeURIComponent(path);
  } catch {
    return;
  }
  const found = [id, `${id === "/" ? "" : id}/index.html`].find((candidate) => manifest[candidate]);
  if (!found) return;
  // A folder's page (`/docs` → docs/index.html) is served at its trailing-slash URL, as static servers do, so its
  // relative links resolve the same way everywhere. The redirect is relative: it survives a proxy's path prefix.
  if (found !== id && !rawPath!.endsWith("/")) {
    return sendRedirect(event, `${path.slice(path.lastIndexOf("/") + 1)}/${query === undefined ? "" : `?${query}`}`, 301);
  }
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) setResponseHeader(event, name, value);
  const asset = manifest[found]!;
  setResponseHeader(event, "ETag", asset.etag);
  setResponseHeader(event, "Last-Modified", new Date(asset.mtime).toUTCString());
  // Revalidated on every load: a rebuilt gateway serves its new page at once.
  setResponseHeader(event, "Cache-Control", "no-cache");
  if (getRequestHeader(event, "if-none-match") === asset.etag) {
    setResponseStatus(event, 304);
    return "";
  }
  setResponseHeader(event, "Content-Type", asset.type);
  setResponseHeader(event, "Content-Length", asset.size);
  return event.method === "HEAD" ? "" : await readAsset(found);
});
