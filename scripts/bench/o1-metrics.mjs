// O1: what serving metrics costs. P2's durable submits/s (autocannon, queue paused) on one gateway with its
// key-less metrics listener (CLAUDEGATE_METRICS_ADDR), in rounds without and with a scraper reading /metrics
// every second, as Prometheus would (at 1 s, 15× its default rate). Rounds go on, off, off, on, on, off, off, on
// (ABBA, so a drift such as the growing table hits both alike). Also measured: the gateway's CPU time per submit
// in each kind of round, and the CPU time of one scrape on the idle gateway (its cost without the machine's noise).
import { API_KEY, Gateway, cpuMs, fmt, percentile, request } from "./lib.mjs";
import { submitLoad } from "./submit-load.mjs";

const ROUND_SECONDS = 4;
const WARMUP_SECONDS = 3;
const ROUNDS = ["on", "off", "off", "on", "on", "off", "off", "on"];
const IDLE_SCRAPES = 100;
const SCRAPE_EVERY_MS = 1000;

export async function run({ log }) {
  const gw = await Gateway.start("o1", { CLAUDEGATE_QUEUE_SIZE: "100000000", CLAUDEGATE_METRICS_ADDR: "127.0.0.1:0" });
  try {
    await gw.pauseQueue();
    const metricsUrl = await waitFor(() => /"msg":"metrics listening","url":"([^"]+)"/.exec(gw.output)?.[1]);
    const probe = await request(metricsUrl);
    if (probe.status !== 200) throw new Error(`metrics probe: ${probe.status}`);
    const url = `${gw.url}/api/v1/jobs`;
    await submitLoad(url, WARMUP_SECONDS);

    const totals = { off: { n: 0, s: 0, cpu: 0, rates: [] }, on: { n: 0, s: 0, cpu: 0, rates: [] } };
    const scrapeMs = [];
    let scrapeBytes = 0;
    for (const which of ROUNDS) {
      const scraper = which === "on" ? startScraper(metricsUrl, scrapeMs, (b) => (scrapeBytes = b)) : undefined;
      const cpu0 = cpuMs(gw.pid);
      const r = await submitLoad(url, ROUND_SECONDS);
      await scraper?.stop();
      totals[which].cpu += cpuMs(gw.pid) - cpu0;
      if (r.non2xx || r.errors || r.timeouts) throw new Error(`${which}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
      const rate = r["2xx"] / r.duration;
      log(`scraper ${which}: ${fmt(rate)} submits/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`);
      totals[which].n += r["2xx"];
      totals[which].s += r.duration;
      totals[which].rates.push(fmt(rate));
    }
    const off = totals.off.n / totals.off.s;
    const on = totals.on.n / totals.on.s;
    const cost = 1 - on / off;
    const cpuCost = totals.on.cpu / totals.on.n / (totals.off.cpu / totals.off.n) - 1;
    const p50 = percentile(scrapeMs, 50);
    const queued = (await gw.stats()).queue.queued;
    // The idle gateway, scraped back to back: CPU time per scrape (10 ms resolution over the whole series).
    const cpuIdle0 = cpuMs(gw.pid);
    for (let i = 0; i < IDLE_SCRAPES; i++) await request(metricsUrl);
    const cpuPerScrape = (cpuMs(gw.pid) - cpuIdle0) / IDLE_SCRAPES;
    const scrapeShare = cpuPerScrape / SCRAPE_EVERY_MS;
    return {
      rows: [
        {
          id: "O1",
          scenario: `serving metrics: P2's submits/s with a scraper reading /metrics every ${SCRAPE_EVERY_MS / 1000} s vs without, same gateway`,
          figure: `${fmt(on)} /s with, ${fmt(off)} /s without (cost ${fmt(cost * 100, 1)} %)`,
          baseline: "the same gateway without the scraper",
          target: "cost < 2 %",
          met: cost < 0.02,
        },
        {
          // The same cost measured without the rounds' noise: a saturated gateway's submits/s is bounded by its one
          // thread, so the share of that thread the scrapes take is the share of submits they cost.
          id: "O1",
          scenario: `serving metrics: CPU of one scrape (idle gateway, mean of ${IDLE_SCRAPES}) × one scrape per ${SCRAPE_EVERY_MS / 1000} s, as a share of the gateway's one thread`,
          figure: `${fmt(scrapeShare * 100, 2)} % (${fmt(cpuPerScrape, 2)} ms per scrape)`,
          baseline: "1 s of the thread per second",
          target: "cost < 2 %",
          met: scrapeShare < 0.02,
        },
      ],
      notes: [
        `O1: ${ROUND_SECONDS} s rounds (${ROUNDS.join(", ")}) after a ${WARMUP_SECONDS} s warm-up: without the scraper ` +
          `${totals.off.rates.join(", ")} /s, with it ${totals.on.rates.join(", ")} /s. ${scrapeMs.length} scrapes of ` +
          `${fmt(scrapeBytes / 1024, 1)} KiB each took p50 ${fmt(p50, 1)} ms, p99 ${fmt(percentile(scrapeMs, 99), 1)} ms end to end while ` +
          `the gateway was saturated with submits (${fmt(queued)} jobs queued at the end; the queue-wide gauges are read from the ` +
          `database on every scrape). Gateway CPU time per submit: ${fmt((totals.off.cpu / totals.off.n) * 1000, 0)} µs without, ` +
          `${fmt((totals.on.cpu / totals.on.n) * 1000, 0)} µs with the scraper (${fmt(cpuCost * 100, 1)} %). One scrape of the idle ` +
          `gateway costs ${fmt(cpuPerScrape, 2)} ms of CPU (mean of ${IDLE_SCRAPES}), i.e. ${fmt(cpuPerScrape / 10, 2)} % of one core at one ` +
          `scrape a second: the bound on what scraping can take from a gateway whose one thread is saturated. The throughput ` +
          `difference between rounds is that plus the machine's noise (a negative cost: the rounds with the scraper were faster).`,
      ],
    };
  } finally {
    await gw.stop();
  }
}

function startScraper(url, durations, onBytes) {
  let stopped = false;
  let inflight = Promise.resolve();
  const timer = setInterval(() => {
    inflight = (async () => {
      const t0 = performance.now();
      const r = await request(url);
      if (r.status !== 200) throw new Error(`scrape: ${r.status}`);
      if (!stopped) durations.push(performance.now() - t0);
      onBytes(Buffer.byteLength(r.text));
    })();
  }, SCRAPE_EVERY_MS);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await inflight;
    },
  };
}

async function waitFor(fn, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

