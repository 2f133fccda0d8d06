// `npm run test:chaos`: the standing fault and crash suite (test/chaos). Never part of plain `npm test`, whose
// fast subset is test/e2e/chaos-fast.test.ts. The files run one at a time: each drives a gateway, many CLI
// processes and thousands of requests, and the machine is shared.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/chaos/**/*.test.ts"],
    globalSetup: ["test/chaos/setup.ts"],
    testTimeout: 10 * 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    maxWorkers: 1,
    pool: "forks",
  },
});
