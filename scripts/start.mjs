#!/usr/bin/env node
// `npm start`: builds the server when .output is missing or older than the sources, then runs it in this
// process (so SIGTERM and SIGINT reach the server directly).
import { pathToFileURL } from "node:url";
import { buildIfStale, serverEntry } from "./build-if-stale.mjs";

buildIfStale();
await import(pathToFileURL(serverEntry).href);
