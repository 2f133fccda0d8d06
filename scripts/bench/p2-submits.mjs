// P2: durable submits per second. autocannon drives `POST /api/v1/jobs` on a gateway whose queue is paused
// (each 202 is a committed SQLite row that will run later), and, with the same connections and duration, a
// bare node:http server (its own process) that reads and parses the body and answers 202 with a JSON body of
// the gateway's size. Rounds alternate bare, gateway, gateway, bare so drift hits both alike.
import { API_KEY, Gateway, endChild, fmt, forkNode, nextMessage, profiledGateway } from "./lib.mjs";
import { SUBMIT_BODY, SUBMIT_CONNECTIONS, submitLoad } from "./submit-load.mjs";

const ROUND_SECONDS = 5;
const WARMUP_SECONDS = 1;

export async function run({ log }) {
  const gw = await Gateway.start("p2", { CLAUDEGATE_QUEUE_SIZE: "100000000" });
  let bare;
  try {
    const paused = await gw.pauseQueue();
    const probe = await gw.request("POST", "/api/v1/jobs", SUBMIT_BODY);
    if (probe.status !== 202) throw new Error(`probe submit: ${probe.status} ${probe.text}`);
    const bodyBytes = Buffer.byteLength(probe.text);
    bare = forkNode("bare-server.mjs", ["json", String(bodyBytes)]);
    const { port } = await nextMessage(bare, (m) => m.t === "listening");
    const bareUrl = `http://127.0.0.1:${port}/api/v1/jobs`;
    const gwUrl = `${gw.url}/api/v1/jobs`;

    for (const url of [bareUrl, gwUrl]) await submitLoad(url, WARMUP_SECONDS);
    const totals = { bare: { n: 0, s: 0, lat: [], rates: [] }, gw: { n: 0, s: 0, lat: [], rates: [] } };
    for (const which of ["bare", "gw", "gw", "bare"]) {
      const r = await submitLoad(which === "bare" ? bareUrl : gwUrl, ROUND_SECONDS);
      log(`${which}: ${fmt(r["2xx"] / r.duration)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`);
      if (r.non2xx || r.errors || r.timeouts) throw new Error(`${which}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
      totals[which].n += r["2xx"];
      totals[which].s += r.duration;
      totals[which].lat.push(`${r.latency.p50}/${r.latency.p99}`);
      totals[which].rates.push(fmt(r["2xx"] / r.duration));
    }
    const stats = await gw.stats();
    const gwRate = totals.gw.n / totals.gw.s;
    const bareRate = totals.bare.n / totals.bare.s;
    const ratio = gwRate / bareRate;
    const notes = [
      `P2: ${ROUND_SECONDS} s rounds (bare, gateway, gateway, bare) after ${WARMUP_SECONDS} s warm-ups: gateway ${totals.gw.rates.join(" then ")} /s, ` +
        `bare ${totals.bare.rates.join(" then ")} /s; latency p50/p99 per round in ms: gateway ${totals.gw.lat.join(", ")}; bare ${totals.bare.lat.join(", ")}. ` +
        `Response body ${bodyBytes} bytes for both. Queue paused by ${paused}; ${fmt(stats.queue.queued)} jobs queued at the end.`,
    ];
    if (ratio < 0.5) {
      // Evidence for the miss, from this run: a separate, profiled gateway under the same load.
      const frames = await profiledGateway("p2-profiled", { CLAUDEGATE_QUEUE_SIZE: "100000000" }, async (pgw) => {
        await pgw.pauseQueue();
        await submitLoad(`${pgw.url}/api/v1/jobs`, ROUND_SECONDS);
      });
      notes.push(
        `P2 limit: a durable submit costs the gateway's one JavaScript thread ≈ ${fmt(1000 / gwRate, 2)} ms against ` +
          `${fmt(1000 / bareRate, 3)} ms for the bare server, which does no I/O. Each submit is a SQLite write (INSERT with ` +
          `the queue-cap check, the job read back, its \`queued\` event, in a savepoint; submits that arrive in the same ` +
          `event-loop turn share one BEGIN/COMMIT to the WAL) plus HTTP parsing, ` +
          `h3 routing, zod validation, the job's JSON and the HMAC of its stream URL, all on one thread. Top self time of a ` +
          `profiled gateway under the same load (share of its busy time): ` +
          frames.map((f) => `${f.name} ${fmt(f.share * 100, 1)}%`).join(", ") +
          `. (better-sqlite3's native work shows under the JavaScript function that called it: sqliteTransaction is ` +
          `BEGIN/COMMIT, insert and get are the statements.)`,
      );
    }
    return {
      rows: [
        {
          id: "P2",
          scenario: `durable submits/s (POST /api/v1/jobs → 202, queue paused), autocannon ${SUBMIT_CONNECTIONS} connections`,
          figure: `${fmt(gwRate)} /s (${fmt(ratio, 2)}×)`,
          baseline: `bare node:http 202: ${fmt(bareRate)} /s`,
          target: "≥ 0.5×",
          met: ratio >= 0.5,
        },
      ],
      notes,
    };
  } finally {
    if (bare) await endChild(bare);
    await gw.stop();
  }
}

