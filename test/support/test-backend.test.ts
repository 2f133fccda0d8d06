// The backend matrix's plumbing (test/support/test-backend.ts, GatewayProcess.start): runs in both projects, and
// proves that a gateway of the `postgres` project is handed CLAUDEGATE_DATABASE_URL for a database that exists,
// the same one after a restart on its data directory, and that the `sqlite` project's gateways get none.
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { FAKE_CLI, GatewayProcess } from "./gateway-process";
import { BACKEND_ENV, databaseUrlFor, stopTestPostgres, testBackend, testPostgresStarted } from "./test-backend";

const FAKE = { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI };

/** The environment the gateway process really runs with, read from /proc (not what the helper meant to pass). */
function environOf(gw: GatewayProcess): Record<string, string> {
  const raw = readFileSync(`/proc/${gw.child.pid}/environ`, "utf8");
  return Object.fromEntries(raw.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

async function currentDatabase(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  c.on("error", () => {});
  await c.connect();
  try {
    return (await c.query<{ db: string }>("SELECT current_database() AS db")).rows[0]!.db;
  } finally {
    await c.end();
  }
}

const running: GatewayProcess[] = [];
async function start(opts: Parameters<typeof GatewayProcess.start>[0] = {}): Promise<GatewayProcess> {
  const gw = await GatewayProcess.start({ ...opts, env: { ...FAKE, ...opts.env } });
  running.push(gw);
  return gw;
}

describe(`the ${testBackend()} project`, () => {
  afterAll(async () => {
    await Promise.all(running.map((g) => g.stop()));
  });

  it("is the backend its project set", () => {
    expect(["sqlite", "postgres"]).toContain(process.env[BACKEND_ENV]);
    expect(testBackend()).toBe(process.env[BACKEND_ENV]);
  });

  it.runIf(testBackend() === "postgres")("hands a gateway CLAUDEGATE_DATABASE_URL for an existing database, the same one after a restart", async () => {
    const gw = await start();
    expect(gw.database.backend).toBe("postgres");
    const url = (gw.database as { url: string }).url;
    expect(environOf(gw).CLAUDEGATE_DATABASE_URL).toBe(url);
    expect(await currentDatabase(url)).toBe(new URL(url).pathname.slice(1));
    await gw.stop();
    const again = await start({ dataDir: gw.dataDir });
    expect(again.database).toStrictEqual({ backend: "postgres", url });
    expect(environOf(again).CLAUDEGATE_DATABASE_URL).toBe(url);
    // Another gateway (another data directory) gets a database of its own.
    const other = await start();
    expect(other.database.backend).toBe("postgres");
    expect((other.database as { url: string }).url).not.toBe(url);
  });

  it.runIf(testBackend() === "postgres")("leaves a URL the test set alone, and runs on SQLite when a test asks for it", async () => {
    const mine = await databaseUrlFor("a test's own");
    const given = await start({ env: { CLAUDEGATE_DATABASE_URL: mine } });
    expect(given.database).toStrictEqual({ backend: "postgres", url: mine });
    expect(environOf(given).CLAUDEGATE_DATABASE_URL).toBe(mine);
    const file = await start({ backend: "sqlite" });
    expect(file.database).toStrictEqual({ backend: "sqlite", path: `${file.dataDir}/claudegate.db` });
    expect(environOf(file).CLAUDEGATE_DATABASE_URL).toBeUndefined();
  });

  it.runIf(testBackend() === "sqlite")("gives a gateway no CLAUDEGATE_DATABASE_URL and starts no PostgreSQL", async () => {
    const gw = await start();
    expect(gw.database).toStrictEqual({ backend: "sqlite", path: `${gw.dataDir}/claudegate.db` });
    expect(environOf(gw).CLAUDEGATE_DATABASE_URL).toBeUndefined();
    expect(testPostgresStarted()).toBe(false);
  });
});

describe("databaseUrlFor", () => {
  it("creates one database per key, the same for the same key, on one server per worker", async () => {
    const [a, a2, b] = await Promise.all([databaseUrlFor("k-a"), databaseUrlFor("k-a"), databaseUrlFor("k-b")]);
    expect(a2).toBe(a);
    expect(b).not.toBe(a);
    expect(new URL(b).port).toBe(new URL(a).port);
    expect(await currentDatabase(a)).toBe(new URL(a).pathname.slice(1));
    expect(await currentDatabase(b)).toBe(new URL(b).pathname.slice(1));
  });

  it("stopTestPostgres stops the server; the next call starts a new one", async () => {
    const before = await databaseUrlFor("k-stop");
    await stopTestPostgres();
    expect(testPostgresStarted()).toBe(false);
    await expect(currentDatabase(before)).rejects.toThrow();
    const after = await databaseUrlFor("k-stop");
    expect(after).not.toBe(before);
    expect(await currentDatabase(after)).toBe(new URL(after).pathname.slice(1));
  });
});
