// One configuration folder per run: 8 concurrent runs x 50 jobs of a scripted CLI that renews its OAuth token
// (rewriting the credentials in place, as the CLI does) and counts its starts in .claude.json. Every run finds
// intact JSON files (a shared folder would show one run another's half-written file), and the operator's
// credentials file ends valid, holding the newest token any run renewed: a rotated refresh token is never lost.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";

let gw: GatewayProcess;
let operatorDir: string;
const START = Date.now() + 3_600_000;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cg-creds-"));
  operatorDir = join(dataDir, "home", ".claude");
  mkdirSync(operatorDir, { recursive: true });
  const creds = { claudeAiOauth: { accessToken: "at-0", refreshToken: "rt-0", expiresAt: START, scopes: ["user:inference"] } };
  writeFileSync(join(operatorDir, ".credentials.json"), JSON.stringify(creds), { mode: 0o600 });
  gw = await GatewayProcess.start({ dataDir, env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_CONCURRENCY: "8" } });
});
afterAll(async () => gw?.stop());

describe("credentials with one configuration folder per run", () => {
  it("8 concurrent runs x 50 jobs leave every configuration file intact and keep the newest renewed token", async () => {
    const jobs: string[] = [];
    for (let i = 0; i < 400; i++) jobs.push((await gw.submit({ prompt: `[[refresh-credentials]] creds-${i}` })).job_id);
    const renewed: number[] = [];
    for (const id of jobs) {
      const done = await gw.waitJob(id, undefined, 180_000);
      expect(done.status, JSON.stringify(done)).toBe("completed");
      renewed.push(Number(/^renewed:(\d+)$/.exec(done.result)![1]));
    }
    // A job ends at its result line; its run gives the token back once its CLI has exited, a moment later.
    const read = () => JSON.parse(readFileSync(join(operatorDir, ".credentials.json"), "utf8"));
    await waitUntil(() => read().claudeAiOauth.expiresAt === Math.max(...renewed), 15_000, "the last run's token to be given back").catch(() => {});
    const held = read();
    expect(held.claudeAiOauth.expiresAt).toBe(Math.max(...renewed));
    expect(held.claudeAiOauth.refreshToken).toBe(`rt-${Math.max(...renewed)}`);
    expect(held.claudeAiOauth.scopes).toEqual(["user:inference"]);
    // Nothing of the runs in the operator's folder: no .claude.json of theirs, no temporary or lock file.
    expect(readdirSync(operatorDir)).toEqual([".credentials.json"]);
  }, 240_000);
});
