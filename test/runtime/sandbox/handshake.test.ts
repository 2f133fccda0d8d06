// The bwrap start handshake (runtime/sandbox/wrap.ts): a run starts its CLI only once the gateway answers on fd 3,
// so a gateway that dies before its sandbox has armed --die-with-parent leaves nothing running. Drives real bwrap.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { hostLayout } from "../../../runtime/sandbox/layout";
import { BWRAP, HANDSHAKE_FD, wrapCommand } from "../../../runtime/sandbox/wrap";
import { FAKE_CLI } from "../../support/gateway-process";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts the scripted CLI in bwrap; `answer` decides what the "gateway" does when the run says it is ready. */
async function run(answer: (socket: Duplex) => void) {
  const dir = mkdtempSync(join(tmpdir(), "cg-handshake-"));
  dirs.push(dir);
  const layout = hostLayout({ cliPath: FAKE_CLI, privateDirs: [], env: {} });
  const cmd = wrapCommand({ mode: "bwrap", layout }, { command: FAKE_CLI, argv: [] }, dir);
  expect(cmd.handshake).toBe(true);
  const child = spawn(cmd.file, cmd.args, { cwd: dir, env: { PATH: "/usr/bin:/bin", HOME: dir }, stdio: ["pipe", "pipe", "pipe", "pipe"] });
  let stdout = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stdin!.end("[[reply:the CLI ran]]");
  const socket = child.stdio[HANDSHAKE_FD] as Duplex;
  socket.on("error", () => {});
  socket.once("data", () => answer(socket));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout };
}

describe.skipIf(!existsSync(BWRAP) && process.env.CI !== "true")("the bwrap start handshake", () => {
  it("starts the CLI once the gateway answers", async () => {
    const r = await run((s) => s.end("go\n"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"result":"the CLI ran"');
  });

  it("never starts the CLI when the gateway goes away instead (its end of the socket closes)", async () => {
    const r = await run((s) => s.destroy());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
  });
});
