import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { BACKEND_ENV, BACKENDS, type Backend } from "./test/support/backends.js"; // ".js": the config loader wants an extension (it resolves to the .ts)

// The suite runs once per database backend, as vitest projects (one test tree, not a copy): `sqlite` runs every
// test file; `postgres` runs the end-to-end tests (the ones a backend can change) plus the checks of the test
// helpers that hand gateways their database. GatewayProcess.start() reads the project's CG_TEST_BACKEND.
// Which projects run: CLAUDEGATE_TEST_BACKENDS (comma-separated); by default both.
const DEFAULT_BACKENDS: Backend[] = ["sqlite", "postgres"];

// Tests that are only about SQLite are not excluded here by file: they sit inside files that mostly hold for both
// backends, and skip themselves with `it.skipIf(testBackend() === "postgres")` and a comment saying why.
const INCLUDE: Record<Backend, string[]> = {
  sqlite: ["test/**/*.test.ts"],
  postgres: ["test/e2e/**/*.test.ts", "test/support/test-backend.test.ts"],
};

// The multi-instance tests (issue 12) need several gateways on one database: PostgreSQL only. The migration
// command's tests copy a SQLite gateway's file into a PostgreSQL of their own whatever the project: once is enough.
const EXCLUDE: Record<Backend, string[]> = {
  sqlite: ["test/e2e/cluster-*.test.ts"],
  postgres: ["test/e2e/migrate-to-postgres*.test.ts"],
};

function selectedBackends(): Backend[] {
  const raw = process.env.CLAUDEGATE_TEST_BACKENDS;
  if (raw === undefined || raw.trim() === "") return DEFAULT_BACKENDS;
  const names = raw.split(",").map((s) => s.trim());
  const bad = names.filter((n) => !(BACKENDS as readonly string[]).includes(n));
  if (bad.length) throw new Error(`CLAUDEGATE_TEST_BACKENDS: unknown backend ${bad.join(", ")} (expected ${BACKENDS.join(", ")})`);
  return BACKENDS.filter((b) => names.includes(b));
}

const project = (backend: Backend): TestProjectInlineConfiguration => ({
  test: {
    name: backend,
    include: INCLUDE[backend],
    // The standing chaos suite runs on its own: `npm run test:chaos` (vitest.chaos.config.ts).
    exclude: [...configDefaults.exclude, "test/chaos/**", ...EXCLUDE[backend]],
    env: { [BACKEND_ENV]: backend },
    // Stops the worker's PostgreSQL server after each file (test/support/setup-backend.ts).
    setupFiles: ["test/support/setup-backend.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own gateway processes and real CLIs (~320 MB each); two at a time fits 2 cores, across
    // both projects (they share one pool).
    fileParallelism: true,
    maxWorkers: 2,
    pool: "forks",
  },
});

export default defineConfig({
  test: {
    // Builds the server once for all projects. Kept out of the projects (they do not extend this config): a
    // project's own globalSetup runs once per project, which would build the server once per backend.
    globalSetup: ["test/global-setup.ts"],
    maxWorkers: 2,
    projects: selectedBackends().map(project),
  },
});
