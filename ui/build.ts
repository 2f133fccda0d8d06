// Builds the browser pages into `outDir`, which Nitro serves as public assets:
//   index.html            the playground (/)
//   docs/index.html       the API reference (/docs)
//   assets/               their bundles, and Swagger UI's files copied from the swagger-ui-dist package
// esbuild bundles the TypeScript and CSS; nothing is loaded from elsewhere at run time.
import { copyFile, mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"];

export async function buildUi(outDir: string): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, "docs"), { recursive: true });
  await mkdir(join(outDir, "assets", "swagger-ui"), { recursive: true });
  await build({
    entryPoints: { playground: join(here, "playground/main.ts"), docs: join(here, "docs/docs.ts") },
    outdir: join(outDir, "assets"),
    bundle: true,
    format: "esm",
    target: ["es2022", "chrome111", "firefox113", "safari16.4"],
    minify: true,
    sourcemap: false,
    logLevel: "error",
  });
  await copyFile(join(here, "playground/index.html"), join(outDir, "index.html"));
  await copyFile(join(here, "docs/index.html"), join(outDir, "docs/index.html"));
  const swaggerDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  for (const f of SWAGGER_FILES) await copyFile(join(swaggerDir, f), join(outDir, "assets/swagger-ui", f));
}
