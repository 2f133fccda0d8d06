import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The standing chaos suite runs on its own: `npm run test:chaos` (vitest.chaos.config.ts).
    exclude: [...configDefaults.exclude, "test/chaos/**"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own gateway processes and real CLIs (~320 MB each); two at a time fits 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    pool: "forks",
  },
});
