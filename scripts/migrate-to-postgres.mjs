#!/usr/bin/env node
// `npm run migrate-to-postgres -- --from <sqlite file> --to <postgres url>`: builds the server when it is stale
// (as `npm start` does), then runs the command from the build (runtime/server/migrate-to-postgres.ts). Where only
// the build is installed (the Docker image), run `node .output/server/commands/migrate-to-postgres.mjs` instead.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildIfStale, root } from "./build-if-stale.mjs";

buildIfStale(2); // the command's stdout is its summary
await import(pathToFileURL(join(root, ".output", "server", "commands", "migrate-to-postgres.mjs")).href);
