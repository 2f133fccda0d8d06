// P6: durable submits per second on PostgreSQL, one gateway (CLAUDEGATE_DATABASE_URL), against the floor: the
// same transaction issued directly with `pg`. The floor's statements are not written here by hand: a first
// gateway on a database whose statements PostgreSQL logs takes one submit, and the statements of its transaction
// (BEGIN … COMMIT around `INSERT INTO jobs`), with their parameters, are what the floor replays (pg-floor.mjs,
// its own process, a pool of as many connections as autocannon has), so the floor follows the code. Load as in
// P2 (submit-load.mjs, queue paused); rounds alternate floor, gateway, gateway, floor on the same database.
import { Gateway, cpuMs, endChild, fmt, forkNode, nextMessage, sleep } from "./lib.mjs";
import { startPostgres } from "./postgres.mjs";
import { SUBMIT_BODY, SUBMIT_CONNECTIONS, submitLoad } from "./submit-load.mjs";

const ROUND_SECONDS = 5;
const WARMUP_SECONDS = 1;
const ORDER = ["floor", "gw", "gw", "floor"];
const COUNTER_TRIGGERS = ["job_counts_insert", "owner_queue_insert"];
// Above every round's submits: the cap is a parameter of the INSERT, so the capture must use the same one.
const ENV = { CLAUDEGATE_QUEUE_SIZE: "100000000" };

export async function run({ log }) {
  const pg = await startPostgres("p6");
  let gw;
  let floor;
  try {
    const statements = await captureSubmit(pg);
    log(`captured the submit's transaction: ${statements.map((s) => firstWords(s.text)).join("; ")}`);
    const url = await pg.createDatabase("p6");
    gw = await Gateway.start("p6", { ...ENV, CLAUDEGATE_DATABASE_URL: url });
    await gw.pauseQueue();
    floor = forkNode("pg-floor.mjs");
    await nextMessage(floor, (m) => m.t === "ready");
    const gwUrl = `${gw.url}/api/v1/jobs`;
    const runFloor = async (seconds) => {
      floor.send({ t: "run", url, statements, connections: SUBMIT_CONNECTIONS, seconds });
      return nextMessage(floor, (m) => m.t === "done", (seconds + 60) * 1000);
    };

    await runFloor(WARMUP_SECONDS);
    await submitLoad(gwUrl, WARMUP_SECONDS);
    const t = { floor: { n: 0, s: 0, rates: [], lat: [], cpu: 0, clientCpu: 0 }, gw: { n: 0, s: 0, rates: [], lat: [], cpu: 0, gwCpu: 0 } };
    for (const which of ORDER) {
      const pgCpu0 = pg.cpuMs();
      const gwCpu0 = cpuMs(gw.pid);
      const floorCpu0 = cpuMs(floor.pid);
      let n, s, lat;
      if (which === "floor") {
        const r = await runFloor(ROUND_SECONDS);
        [n, s, lat] = [r.count, r.seconds, `${fmt(r.p50, 1)}/${fmt(r.p99, 1)}`];
        t.floor.clientCpu += cpuMs(floor.pid) - floorCpu0;
      } else {
        const r = await submitLoad(gwUrl, ROUND_SECONDS);
        if (r.non2xx || r.errors || r.timeouts) throw new Error(`gateway: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
        [n, s, lat] = [r["2xx"], r.duration, `${r.latency.p50}/${r.latency.p99}`];
        t.gw.gwCpu += cpuMs(gw.pid) - gwCpu0;
      }
      t[which].cpu += pg.cpuMs() - pgCpu0;
      t[which].n += n;
      t[which].s += s;
      t[which].rates.push(fmt(n / s));
      t[which].lat.push(lat);
      log(`${which}: ${fmt(n / s)} /s, p50/p99 ${lat} ms`);
    }
    const gwRate = t.gw.n / t.gw.s;
    const floorRate = t.floor.n / t.floor.s;
    const ratio = gwRate / floorRate;
    const us = (ms, n) => fmt((ms * 1000) / n);
    const queued = (await gw.stats()).queue.queued;
    // Where the floor's own limit lies: the same replay without the triggers that count jobs into one row per
    // status and per owner (job_counts, owner_queue: every submit updates the same two rows, holding their locks
    // until its commit is flushed); and, should the captured transaction NOTIFY, without the NOTIFY and without both.
    await gw.stop();
    gw = undefined;
    const variants = [];
    const noNotify = statements.filter((st) => !/pg_notify/.test(st.text));
    const notifies = noNotify.length < statements.length;
    const triggers = async (on) => {
      for (const tg of COUNTER_TRIGGERS) await pg.query("p6", `ALTER TABLE jobs ${on ? "ENABLE" : "DISABLE"} TRIGGER ${tg}`);
    };
    const variant = async (label, sts) => {
      floor.send({ t: "run", url, statements: sts, connections: SUBMIT_CONNECTIONS, seconds: ROUND_SECONDS });
      const r = await nextMessage(floor, (m) => m.t === "done", (ROUND_SECONDS + 60) * 1000);
      variants.push(`${label} ${fmt(r.count / r.seconds)} /s (p50 ${fmt(r.p50, 1)} ms)`);
      log(`floor ${label}: ${fmt(r.count / r.seconds)} /s`);
    };
    if (notifies) await variant("without the NOTIFY", noNotify);
    await triggers(false);
    await variant("without the counter triggers", statements);
    if (notifies) await variant("without both", noNotify);
    return {
      rows: [
        {
          id: "P6",
          scenario: `durable submits/s on PostgreSQL, one gateway (POST /api/v1/jobs → 202, queue paused), autocannon ${SUBMIT_CONNECTIONS} connections`,
          figure: `${fmt(gwRate)} /s (${fmt(ratio, 2)}×)`,
          baseline: `the submit's transaction issued directly with pg, ${SUBMIT_CONNECTIONS} connections: ${fmt(floorRate)} /s`,
          target: "—",
          met: null,
        },
      ],
      notes: [
        `P6: ${ROUND_SECONDS} s rounds (${ORDER.join(", ")}) after ${WARMUP_SECONDS} s warm-ups: gateway ${t.gw.rates.join(" then ")} /s, ` +
          `floor ${t.floor.rates.join(" then ")} /s; latency p50/p99 per round in ms: gateway ${t.gw.lat.join(", ")}; floor ${t.floor.lat.join(", ")}. ` +
          `CPU per submit: gateway process ${us(t.gw.gwCpu, t.gw.n)} µs, floor process ${us(t.floor.clientCpu, t.floor.n)} µs; PostgreSQL (all its processes) ${us(t.gw.cpu, t.gw.n)} µs under the gateway, ` +
          `${us(t.floor.cpu, t.floor.n)} µs under the floor. The floor replays the ${statements.length} statements a gateway submit ran ` +
          `between BEGIN and COMMIT (${statements.map((s) => firstWords(s.text)).join("; ")}), captured from PostgreSQL's statement log. ` +
          `PostgreSQL ${pg.version} with its durable defaults (fsync, synchronous_commit on); ${fmt(queued)} jobs queued at the end.`,
        `P6 floor ${notifies ? "variants" : "variant"}, ${ROUND_SECONDS} s each after the rounds above (same database, triggers ${COUNTER_TRIGGERS.join(", ")} ` +
          `disabled${notifies ? " for the last two" : ""}): ${variants.join("; ")}; as captured ${fmt(floorRate)} /s. Every submit's AFTER INSERT triggers update the same row of job_counts ` +
          `('queued') and of owner_queue (its owner), and the row locks are held until the transaction's commit has been flushed, so ` +
          `submits (from every instance) commit one at a time` +
          (notifies
            ? `; a NOTIFY in a transaction likewise takes PostgreSQL's cluster-wide notification lock from its pre-commit until the end of the commit.`
            : ` (the transaction no longer NOTIFYs: the job's first event is not announced).`),
      ],
    };
  } finally {
    if (floor) await endChild(floor);
    if (gw) await gw.stop();
    await pg.stop();
  }
}

/** The statements (text and parameters) of one submit's transaction, from a gateway on a logging database. */
async function captureSubmit(pg) {
  const db = "p6_capture";
  const url = await pg.createDatabase(db, { logStatements: true });
  const gw = await Gateway.start("p6-capture", { ...ENV, CLAUDEGATE_DATABASE_URL: url });
  let jobId;
  try {
    await gw.pauseQueue();
    jobId = (await gw.submit(JSON.parse(SUBMIT_BODY))).job_id;
  } finally {
    await gw.stop();
  }
  // The logging collector writes asynchronously: wait for the transaction's COMMIT.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const statements = submitTransaction(pg.statementLog(db), jobId);
    if (statements) return statements;
    if (Date.now() > deadline) throw new Error(`the submit of job ${jobId} was not found whole in PostgreSQL's statement log`);
    await sleep(100);
  }
}

/** In log entries, the statements between the BEGIN and COMMIT around the INSERT of job `jobId`, or undefined. */
export function submitTransaction(entries, jobId) {
  const parsed = entries.map((e) => ({ pid: e.pid, ...parseEntry(e) })).filter((e) => e.text !== undefined);
  const at = parsed.findIndex((e) => /^\s*INSERT INTO jobs\b/.test(e.text) && e.params.includes(jobId));
  if (at < 0) return undefined;
  const mine = parsed.filter((e) => e.pid === parsed[at].pid);
  const i = mine.indexOf(parsed[at]);
  let begin = i;
  while (begin >= 0 && mine[begin].text !== "BEGIN") begin--;
  let commit = i;
  while (commit < mine.length && mine[commit].text !== "COMMIT") commit++;
  if (begin < 0 || commit >= mine.length) return undefined;
  return mine.slice(begin + 1, commit).map(({ text, params }) => ({ text, params }));
}

/** `statement: X` (simple protocol) or `execute <name>: X` with `Parameters: $1 = '…', $2 = NULL` (extended). */
function parseEntry(e) {
  const m = /^(?:statement|execute [^:]*): ([\s\S]*)$/.exec(e.message);
  if (!m) return {};
  const params = [];
  for (const [, n, value, quoted] of (e.detail ?? "").matchAll(/\$(\d+) = (NULL|'((?:[^']|'')*)')/g)) {
    params[Number(n) - 1] = value === "NULL" ? null : quoted.replaceAll("''", "'");
  }
  return { text: m[1].trim(), params };
}

function firstWords(text) {
  return text.replace(/\s+/g, " ").split(" ").slice(0, 3).join(" ");
}
