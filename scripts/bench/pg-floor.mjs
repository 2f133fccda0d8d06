// P6's floor, run as its own process (a whole event loop, like the gateway): the statements of one gateway
// submit's transaction, replayed with `pg` over a pool of `connections` clients, each loop one transaction
// (BEGIN, the statements with the captured parameters, COMMIT) after the other, for `seconds`. Every UUID in
// the parameters is replaced by a fresh one per transaction (the same captured UUID by the same fresh one), so
// each replay inserts a new job, session and event as a submit would.
// IPC in: {t:"run", url, statements: [{text, params}], connections, seconds}; out: {t:"done", count, seconds, p50, p99}.
import { randomUUID } from "node:crypto";
import pg from "pg";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// One pool per database for the process's life: its server processes stay, so P6 can read the CPU they used.
const pools = new Map();

process.on("message", async (m) => {
  if (m.t !== "run") return;
  if (!pools.has(m.url)) pools.set(m.url, new pg.Pool({ connectionString: m.url, max: m.connections, idleTimeoutMillis: 0 }));
  const pool = pools.get(m.url);
  const latencies = [];
  let count = 0;
  const t0 = performance.now();
  const end = t0 + m.seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const fresh = new Map();
      const params = (ps) => ps.map((v) => (typeof v === "string" && UUID.test(v) ? (fresh.get(v) ?? fresh.set(v, randomUUID()).get(v)) : v));
      const s = performance.now();
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        for (const st of m.statements) await client.query(st.text, params(st.params));
        await client.query("COMMIT");
      } finally {
        client.release();
      }
      latencies.push(performance.now() - s);
      count++;
    }
  };
  await Promise.all(Array.from({ length: m.connections }, loop));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  process.send({ t: "done", count, seconds, p50: at(50), p99: at(99) });
});
process.send({ t: "ready" });
