// T1: what tenant keys cost a submit. autocannon drives `POST /api/v1/jobs` on a paused queue, alternately with
// the operator key (checked against CLAUDEGATE_API_KEYS only) and cycling through 100 tenant keys (each request
// also misses the operator keys, then finds its tenant by the SHA-256 of the key in memory, and its job carries
// an owner). Rounds alternate operator, tenants, tenants, operator so drift hits both alike. Besides submits per
// second, the gateway process's CPU time per submit is compared: on a shared machine it moves far less with
// the load of other processes than the rate does.
import autocannon from "autocannon";
import { API_KEY, Gateway, cpuMs, fmt } from "./lib.mjs";

const CONNECTIONS = 10;
const ROUND_SECONDS = 5;
const WARMUP_SECONDS = 1;
const TENANTS = 100;
const BODY = JSON.stringify({ prompt: "Summarise the benchmark in one sentence." });

export async function run({ log }) {
  const gw = await Gateway.start("p6", { CLAUDEGATE_QUEUE_SIZE: "100000000" });
  try {
    await gw.pauseQueue();
    const keys = [];
    for (let i = 0; i < TENANTS; i++) {
      const r = await gw.request("POST", "/api/v1/keys", JSON.stringify({ name: `bench-${i}` }), { "Content-Type": "application/json" });
      if (r.status !== 201) throw new Error(`create key: ${r.status} ${r.text}`);
      keys.push(JSON.parse(r.text).key);
    }
    const url = `${gw.url}/api/v1/jobs`;
    // The same request list length for both, so autocannon does the same work on its side in both modes.
    const operator = keys.map(() => API_KEY);
    for (const set of [operator, keys]) await cannon(url, set, WARMUP_SECONDS);
    const totals = { operator: { n: 0, s: 0, cpu: 0, rates: [] }, tenants: { n: 0, s: 0, cpu: 0, rates: [] } };
    for (const which of ["operator", "tenants", "tenants", "operator"]) {
      const cpu0 = cpuMs(gw.pid);
      const r = await cannon(url, which === "operator" ? operator : keys, ROUND_SECONDS);
      const cpu = cpuMs(gw.pid) - cpu0;
      totals[which].cpu += cpu;
      log(`${which}: ${fmt(r["2xx"] / r.duration)} req/s, ${fmt((cpu * 1000) / r["2xx"])} µs CPU per submit, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`);
      if (r.non2xx || r.errors || r.timeouts) throw new Error(`${which}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
      totals[which].n += r["2xx"];
      totals[which].s += r.duration;
      totals[which].rates.push(fmt(r["2xx"] / r.duration));
    }
    const opRate = totals.operator.n / totals.operator.s;
    const tRate = totals.tenants.n / totals.tenants.s;
    const ratio = tRate / opRate;
    const cpuPer = (t) => (t.cpu * 1000) / t.n;
    const cpuRatio = cpuPer(totals.tenants) / cpuPer(totals.operator);
    return {
      rows: [
        {
          id: "T1",
          scenario: `durable submits/s with ${TENANTS} tenant keys (round robin) vs one operator key, autocannon ${CONNECTIONS} connections`,
          figure: `${fmt(tRate)} /s (${fmt(ratio, 2)}×); ${fmt(cpuPer(totals.tenants))} µs CPU per submit (${fmt(cpuRatio, 2)}×)`,
          baseline: `one operator key: ${fmt(opRate)} /s; ${fmt(cpuPer(totals.operator))} µs CPU per submit`,
          target: "CPU per submit ≤ 1.1×",
          met: cpuRatio <= 1.1,
        },
      ],
      notes: [
        `T1: ${ROUND_SECONDS} s rounds (operator, tenants, tenants, operator) after ${WARMUP_SECONDS} s warm-ups: ` +
          `${TENANTS} tenant keys ${totals.tenants.rates.join(" then ")} /s, one operator key ${totals.operator.rates.join(" then ")} /s.`,
      ],
    };
  } finally {
    await gw.stop();
  }
}

function cannon(url, keys, seconds) {
  return autocannon({
    url,
    method: "POST",
    connections: CONNECTIONS,
    duration: seconds,
    // Each connection cycles through these requests in order: one per key.
    requests: keys.map((key) => ({ method: "POST", headers: { "Content-Type": "application/json", "X-API-Key": key }, body: BODY })),
  });
}
