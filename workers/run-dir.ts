// The run's folder inside a sandbox: its working directory and its HOME. The CLI starts from a blank
// configuration there, except for the OAuth credentials of a `claude login` (~/.claude/.credentials.json of the
// gateway's user): a copy goes in, and a token the CLI refreshed during the run comes back out, so the next
// run (and the health endpoint) sees it. A copy rather than a bind of the gateway's file: in user mode the run's
// uid cannot open the gateway's 0600 file, and the CLI may replace the file by renaming, which a bind forbids.
// An API key needs none of this: ANTHROPIC_API_KEY reaches the CLI through its environment allow-list.
import { randomBytes } from "node:crypto";
import { chown, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { RunSandbox } from "../runtime/sandbox/modes";
import { RUN_TMP_DIR } from "../runtime/sandbox/wrap";
import { expiresAtIn } from "../runtime/health/credentials";

const CREDENTIALS = join(".claude", ".credentials.json");

/** Prepares `dir` for `sandbox`; the returned function, called after the run, keeps a refreshed token. */
export async function prepareRunDir(dir: string, sandbox: RunSandbox, gatewayCredentials: string): Promise<() => Promise<void>> {
  // The CLI's own temporary files (2.1.332 leaves $TMPDIR/claude-<uid>/fswatch-probe-* after every run, and a
  // killed one its cc-socks/<pid>.sock) go into the run's folder, so they go with it; bwrap gives it a private /tmp.
  if (sandbox.mode !== "bwrap") await mkdir(join(dir, RUN_TMP_DIR), { mode: 0o700 });
  if (sandbox.mode === "off") return async () => {};
  const original = await readFile(gatewayCredentials, "utf8").catch(() => undefined);
  const copy = join(dir, CREDENTIALS);
  if (original !== undefined) {
    await mkdir(dirname(copy), { mode: 0o700 });
    await copyFile(gatewayCredentials, copy);
  }
  // The run's uid must own its folder: the CLI writes its configuration, session files and temporary files there.
  if (sandbox.mode === "user") await chownTree(dir, sandbox.uid);
  if (original === undefined) return async () => {};
  return () => keepRefreshedToken(copy, gatewayCredentials);
}

async function chownTree(path: string, uid: number): Promise<void> {
  await chown(path, uid, uid);
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory()) await chownTree(join(path, e.name), uid);
    else await chown(join(path, e.name), uid, uid);
  }
}

/** A credentials text's token expiry for comparing: none counts as the earliest. */
const expiry = (text: string): number => expiresAtIn(text) ?? 0;

/** Writes the run's credentials back when they hold a later token than the gateway's file does now. */
async function keepRefreshedToken(copy: string, gatewayFile: string): Promise<void> {
  const ours = await readFile(copy, "utf8").catch(() => undefined);
  if (ours === undefined || expiry(ours) <= expiry(await readFile(gatewayFile, "utf8").catch(() => ""))) return;
  const tmp = `${gatewayFile}.claudegate-${randomBytes(6).toString("hex")}`;
  try {
    await writeFile(tmp, ours, { mode: 0o600 });
    await rename(tmp, gatewayFile); // another run's write-back in between loses to the later token next time
  } catch {
    await rm(tmp, { force: true });
  }
}
