// A setup file of every vitest project (vitest.config.ts): after each test file, stop the PostgreSQL server that
// file's worker started for its gateways, if any. Registered before the file's own hooks, so it runs after them
// (vitest runs after-hooks as a stack), once every gateway of the file has been stopped. A worker that is killed
// instead never gets here: the server's death signal (test/support/postgres.ts) and the next start's reaper cover that.
import { afterAll } from "vitest";
import { stopTestPostgres } from "./test-backend";

afterAll(stopTestPostgres);
