import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { defineNitroConfig } from "nitropack/config";
import type { Nitro } from "nitropack/types";
import uiModule from "./ui/nitro-module";

/**
 * Piscina needs the worker as its own module at run time. Nitro's bundle cannot emit it (in dev every worker
 * thread would boot the whole server), so esbuild bundles workers/*.ts and we emit the result next to the
 * server entry, where runtime/queue/cli-pool.ts looks for it.
 */
const workerBundles = {
  name: "claudegate-worker-bundles",
  async generateBundle(this: { emitFile: (f: object) => void }) {
    const out = await build({
      entryPoints: ["workers/cli-task.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      write: false,
      logLevel: "error",
    });
    this.emitFile({ type: "asset", fileName: "workers/cli-task.mjs", source: out.outputFiles[0]!.text });
  },
};

export default defineNitroConfig({
  compatibilityDate: "2026-11-01",
  srcDir: ".",
  routesDir: "handlers",
  scanDirs: [],
  preset: "node-server",
  modules: [
    // Our own server entry in the build only: `nitro dev` keeps its dev worker entry (and its listhen server).
    (nitro: Nitro) => {
      if (!nitro.options.dev) nitro.options.entry = fileURLToPath(new URL("./runtime/server/node-entry.ts", import.meta.url));
    },
    // The playground (/) and the API reference (/docs), built with esbuild and served as public assets.
    uiModule,
  ],
  errorHandler: "./runtime/http/error-handler.ts",
  plugins: ["./runtime/server/boot-plugin.ts"],
  handlers: [{ middleware: true, handler: "./runtime/http/middleware.ts" }],
  rollupConfig: { plugins: [workerBundles] },
  experimental: { asyncContext: false },
  externals: { inline: [] },
  timing: false,
});
