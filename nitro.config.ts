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
    this.emitFile({ type: "asset", fileName: "commands/migrate-to-postgres.mjs", source: await bundleCommand("runtime/server/migrate-to-postgres.ts") });
  },
};

/**
 * A command run beside the server (`node .output/server/commands/<name>.mjs`), bundled on its own so that running
 * it never boots the gateway (the server entry's Nitro plugins do at import). better-sqlite3 is native: it stays
 * external and resolves to .output/server/node_modules, where Nitro traces it for the server. Everything else
 * (pg, zod) is bundled; pg's CommonJS needs a `require` in an ES module.
 */
async function bundleCommand(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["better-sqlite3", "pg-native"],
    banner: { js: 'import { createRequire as __cgCreateRequire } from "node:module"; const require = __cgCreateRequire(import.meta.url);' },
    write: false,
    logLevel: "error",
  });
  return out.outputFiles[0]!.text;
}

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
