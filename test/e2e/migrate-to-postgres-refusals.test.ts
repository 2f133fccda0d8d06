// `migrate-to-postgres` refusing, as a user meets it: one line on stderr, exit 1, the target as it was. Also the
// npm script exactly as the README writes it.
import { spawn } from "node:child_process";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDatabase } from "../../runtime/store/database";
import { migrate } from "../../runtime/store/pg/migrate";
import { ROOT } from "../support/gateway-process";
import { migrationScratch, runMigrate as run } from "../support/migrate-command";
import { startPostgres, type TestPostgres } from "../support/postgres";

let server: TestPostgres;
const scratch = migrationScratch();
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await scratch.cleanup();
  await server?.stop();
});

const { tempDir, pool } = scratch;

describe("migrate-to-postgres: refusals, one line on stderr and exit 1", () => {
  let file: string;
  beforeAll(() => {
    file = join(tempDir(), "claudegate.db");
    openDatabase(file).close();
  });

  test("the npm script, as the README writes it, copies an empty deployment", async () => {
    const url = await server.createDatabase();
    const child = spawn("npm", ["run", "-s", "migrate-to-postgres", "--", "--from", file, "--to", url], { cwd: ROOT, env: process.env });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const code = await new Promise((res) => child.on("close", res));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^copied in \d+ ms:\n/);
    expect(stdout).toMatch(/^  jobs +0$/m);
    expect(stdout).toMatch(/^  job_counts +5$/m);
    expect(stdout).toContain("next job seq: 1\n");
  });

  test.each([
    ["no target", ["--from", "x.db"], {}, "migrate-to-postgres: no target database: pass --to postgres://... or set CLAUDEGATE_DATABASE_URL"],
    ["a bad option", ["--form", "x.db"], {}, "migrate-to-postgres: Unknown option '--form' (--help for usage)"],
    ["not a postgres URL", ["--to", "mysql://u:pw@h/db"], {}, 'migrate-to-postgres: --to must be a postgres:// or postgresql:// URL, not "mysql://u:***@h/db"'],
  ])("%s", async (_name, args, env, line) => {
    const r = await run(args, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(line + "\n");
    expect(r.stdout).toBe("");
  });

  test("a missing file", async () => {
    const r = await run(["--to", "postgres://u:pw@127.0.0.1:1/db"], { CLAUDEGATE_DB_PATH: "/nonexistent/claudegate.db" });
    expect(r.code).toBe(1);
    expect(r.lastLine).toBe("migrate-to-postgres: no SQLite database at /nonexistent/claudegate.db");
  });

  test("an unreachable database, without its password", async () => {
    const r = await run(["--from", file, "--to", "postgres://u:hunter2@127.0.0.1:1/db"]);
    expect(r.code).toBe(1);
    const last = r.lastLine;
    expect(last).toMatch(/^migrate-to-postgres: cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED/);
    expect(r.stderr).not.toContain("hunter2");
  });

  test("a SQLite file at an older schema version", async () => {
    const old = join(tempDir(), "old.db");
    copyFileSync(file, old);
    const w = new Database(old);
    const top = w.prepare("SELECT MAX(version) FROM schema_migrations").pluck().get() as number;
    w.prepare("DELETE FROM schema_migrations WHERE version = ?").run(top);
    w.close();
    const r = await run(["--from", old, "--to", await server.createDatabase()]);
    expect(r.code).toBe(1);
    expect(r.lastLine).toBe(
      `migrate-to-postgres: ${old} is at schema version ${top - 1}, this ClaudeGate's is ${top}: start this ClaudeGate once on it (it migrates the file at start-up), stop it, then copy`,
    );
  });

  test("a file whose gateway did not stop cleanly (a run still marked processing)", async () => {
    const crashed = join(tempDir(), "crashed.db");
    copyFileSync(file, crashed);
    const w = new Database(crashed);
    w.prepare("INSERT INTO jobs (id, prompt, model, status, created_at, attempts) VALUES ('j1', 'p', 'haiku', 'processing', 1, 1)").run();
    w.close();
    const r = await run(["--from", crashed, "--to", await server.createDatabase()]);
    expect(r.code).toBe(1);
    expect(r.lastLine).toBe(
      `migrate-to-postgres: ${crashed} has runs its gateway did not end (1 jobs processing, 0 sessions running): it did not stop cleanly; start it once on the file and stop it (start-up recovery ends them), then copy`,
    );
  });

  test("a value PostgreSQL refuses (NUL in TEXT) fails the copy naming the rows, and nothing of it stays", async () => {
    const nul = join(tempDir(), "nul.db");
    copyFileSync(file, nul);
    const w = new Database(nul);
    // The job goes in (and is counted by the triggers) before its event fails: all of it must go again.
    w.prepare("INSERT INTO jobs (id, prompt, model, status, created_at) VALUES ('j', 'a prompt', 'haiku', 'completed', 1)").run();
    w.prepare("INSERT INTO job_events (job_id, seq, event, data, created_at) VALUES ('j', 1, 'chunk', ?, 1)").run("a\u0000b");
    w.close();
    const url = await server.createDatabase();
    const r = await run(["--from", nul, "--to", url]);
    expect(r.code).toBe(1);
    expect(r.lastLine).toMatch(/^migrate-to-postgres: table job_events, rows 1-1: invalid byte sequence for encoding "UTF8": 0x00$/);
    const p = pool(url);
    expect((await p.query("SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT sum(n) FROM job_counts) AS counted")).rows[0]).toEqual({ jobs: 0, counted: 0 });
  });

  test("an INSERT trigger the copy does not know, which might count copied rows twice", async () => {
    const url = await server.createDatabase();
    const p = pool(url);
    await migrate(p);
    await p.query(`CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
                   CREATE TRIGGER events_counter AFTER INSERT ON job_events FOR EACH ROW EXECUTE FUNCTION noop()`);
    const r = await run(["--from", file, "--to", url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PostgreSQL has INSERT triggers the copy does not know (events_counter on job_events)");
  });
});
