// Nitro module: builds the browser pages (ui/build.ts) at the start of every `nitro build` / `nitro dev`, and
// has Nitro serve them as public assets: `/` is the playground, `/docs` the API reference.
import { join } from "node:path";
import type { Nitro } from "nitropack/types";
import { buildUi } from "./build";

export default async function uiModule(nitro: Nitro): Promise<void> {
  const dir = join(nitro.options.buildDir, "ui");
  await buildUi(dir);
  // Pushed after Nitro resolved its options, so written out in full (baseURL "/" falls through to routes).
  nitro.options.publicAssets.push({ dir, baseURL: "/", fallthrough: true, maxAge: 0 });
  if (nitro.options.dev) return;
  // Nitro's static handler runs before every other handler, so pages would leave without the X-Request-ID
  // (and CORS) headers our middleware sets; ours runs after the middleware.
  nitro.options.serveStatic = false;
  nitro.options.handlers.push({ middleware: true, handler: join(nitro.options.rootDir, "runtime/http/public-assets.ts") });
}
