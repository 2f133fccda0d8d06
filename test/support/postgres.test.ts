// The throwaway PostgreSQL of test/support/postgres.ts: it serves real connections, and it never outlives the
// process that started it, even when that process is killed with SIGKILL (as vitest does to a stuck worker).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { build } from "esbuild";
import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { ROOT } from "./gateway-process";
import { isAlive } from "./processes";
import { startPostgres, type TestPostgres } from "./postgres";

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function canConnect(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  c.on("error", () => {});
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

// A plain node process that starts a server through the same module and then waits: the stand-in for a vitest
// worker. The module is bundled to JS next to node_modules so its package imports resolve.
async function childScript(beforeReady = ""): Promise<string> {
  const dir = join(ROOT, "node_modules/.cache/claudegate-test");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `pg-child-${process.pid}.mjs`);
  await build({
    stdin: {
      contents: `import { startPostgres } from "./postgres";
        const pg = await startPostgres();
        ${beforeReady}
        console.log(JSON.stringify({ pid: pg.pid, url: await pg.createDatabase() }));
        setInterval(() => {}, 1 << 30);`,
      resolveDir: import.meta.dirname,
      loader: "ts",
    },
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "silent",
  });
  return outfile;
}

describe("test PostgreSQL server", () => {
  let server: TestPostgres | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test("starts, hands out separate databases, and stops with its data directory removed", async () => {
    server = await startPostgres();
    const a = await server.createDatabase();
    const b = await server.createDatabase();
    expect(a).not.toBe(b);
    const c = new pg.Client(a);
    await c.connect();
    const { rows } = await c.query<{ db: string; v: string }>("SELECT current_database() AS db, current_setting('server_version_num') AS v");
    await c.end();
    expect(rows[0]!.db).toBe(new URL(a).pathname.slice(1));
    expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(180000);
    const dirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`cg-pg-${process.pid}-`));
    expect(dirs()).toHaveLength(1);
    const pid = server.pid;
    await server.stop();
    server = undefined;
    expect(isAlive(pid)).toBe(false);
    expect(await canConnect(a)).toBe(false);
    expect(dirs()).toHaveLength(0);
  });

  test("halt() takes the database away with its data kept; resume() brings it back on the same port", async () => {
    server = await startPostgres();
    const a = await server.createDatabase();
    const c = new pg.Client(a);
    await c.connect();
    await c.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before the outage')");
    await c.end();
    const first = server.pid;
    const dir = join(tmpdir(), readdirSync(tmpdir()).find((n) => n.startsWith(`cg-pg-${process.pid}-`))!);

    await server.halt();
    expect(isAlive(first)).toBe(false);
    expect(await canConnect(a)).toBe(false);
    expect(existsSync(join(dir, "PG_VERSION"))).toBe(true);

    await server.resume();
    expect(server.pid).not.toBe(first);
    expect(isAlive(server.pid)).toBe(true);
    // The new postmaster is the one in the data directory's lock file: the pid a test would kill is the live one.
    expect(Number(readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0])).toBe(server.pid);
    const again = new pg.Client(a);
    await again.connect();
    const { rows } = await again.query<{ v: string }>("SELECT v FROM kept");
    await again.end();
    expect(rows).toEqual([{ v: "before the outage" }]);

    const pid = server.pid;
    await server.stop();
    server = undefined;
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  test("stop() on a halted server removes its data directory", async () => {
    server = await startPostgres();
    const dirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`cg-pg-${process.pid}-`));
    expect(dirs()).toHaveLength(1);
    await server.halt();
    expect(dirs()).toHaveLength(1);
    await server.stop();
    server = undefined;
    expect(dirs()).toHaveLength(0);
  });

  test.each([
    ["a server", ""],
    ["a halted and resumed server", "await pg.halt(); await pg.resume();"],
  ])("%s whose starting process is SIGKILLed goes down, and the next start removes its directory", async (_, beforeReady) => {
    const script = await childScript(beforeReady);
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise<string>((res, rej) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("\n")) res(out.split("\n")[0]!);
      });
      child.once("exit", (code) => rej(new Error(`child exited (${code}) before starting PostgreSQL`)));
    });
    rmSync(script); // loaded: the child has run it
    const { pid, url } = JSON.parse(line) as { pid: number; url: string };
    expect(await canConnect(url)).toBe(true);
    const leftDir = join(tmpdir(), readdirSync(tmpdir()).find((n) => n.startsWith(`cg-pg-${child.pid}-`))!);

    child.kill("SIGKILL");
    await until("the orphaned postmaster to exit", () => !isAlive(pid));
    expect(await canConnect(url)).toBe(false);
    expect(existsSync(leftDir)).toBe(true); // nobody ran stop(): the directory is still there

    server = await startPostgres();
    expect(existsSync(leftDir)).toBe(false);
  });
});
