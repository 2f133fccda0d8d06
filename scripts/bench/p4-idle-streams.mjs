// P4: idle SSE streams held open on queued jobs (queue paused), and what they cost the server in memory.
// 10,000 streams over 10 queued jobs, opened from 4 reader processes; held past a heartbeat (every stream must
// get one, which proves the server still writes to all of them); the gateway's VmRSS before and after.
import { API_KEY, Gateway, endChild, fmt, forkNode, nextMessage, sleep } from "./lib.mjs";

const STREAMS = 10_000;
const JOBS = 10;
const READER_PROCS = 4;
const HEARTBEAT_S = 5;
const RSS_LIMIT_MB = 500;

export async function run({ log }) {
  // One API key opens them all: its stream cap (1,000 by default) is raised to the scenario's count.
  const gw = await Gateway.start("p4", { CLAUDEGATE_SSE_HEARTBEAT_SECONDS: String(HEARTBEAT_S), CLAUDEGATE_MAX_STREAMS_PER_KEY: String(STREAMS) });
  const readers = [];
  try {
    const paused = await gw.pauseQueue();
    const jobs = [];
    for (let i = 0; i < JOBS; i++) jobs.push((await gw.submit({ prompt: `idle stream target ${i}` })).job_id);
    await sleep(1000);
    const rssBefore = gw.rssMiB();

    const t0 = Date.now();
    const urls = Array.from({ length: STREAMS }, (_, i) => `${gw.url}/api/v1/jobs/${jobs[i % JOBS]}/sse`);
    const per = STREAMS / READER_PROCS;
    for (let p = 0; p < READER_PROCS; p++) readers.push(forkNode("sse-clients.mjs"));
    const ready = await Promise.all(
      readers.map((c, p) => {
        c.send({ t: "open", urls: urls.slice(p * per, (p + 1) * per), headers: { "X-API-Key": API_KEY }, connectConcurrency: 50 });
        return nextMessage(c, (m) => m.t === "ready", 180_000);
      }),
    );
    const opened = ready.reduce((a, r) => a + r.open, 0);
    const openSeconds = (Date.now() - t0) / 1000;
    log(`${fmt(opened)} streams open in ${openSeconds.toFixed(1)} s; holding past a heartbeat`);

    await sleep((HEARTBEAT_S + 1.5) * 1000);
    const reports = await Promise.all(
      readers.map((c) => {
        c.send({ t: "report" });
        return nextMessage(c, (m) => m.t === "report", 30_000);
      }),
    );
    const stillOpen = reports.reduce((a, r) => a + r.open, 0);
    const minPings = Math.min(...reports.map((r) => r.minPings));
    const stats = await gw.stats();
    const rssAfter = gw.rssMiB();
    const hwm = gw.hwmMiB();
    const met = stillOpen >= STREAMS && minPings >= 1 && rssAfter < RSS_LIMIT_MB;
    return {
      rows: [
        {
          id: "P4",
          scenario: `idle SSE streams on ${JOBS} queued jobs (queue paused); gateway RSS`,
          figure: `${fmt(stillOpen)} open, RSS ${fmt(rssAfter)} MB (+${fmt(rssAfter - rssBefore)} MB)`,
          baseline: `RSS before the streams: ${fmt(rssBefore)} MB`,
          target: `${fmt(STREAMS)} with RSS < ${RSS_LIMIT_MB} MB`,
          met,
        },
      ],
      notes: [
        `P4: ${fmt(opened)} of ${fmt(STREAMS)} streams opened in ${openSeconds.toFixed(1)} s from ${READER_PROCS} reader processes; ` +
          `${fmt(stillOpen)} still open after ${HEARTBEAT_S + 1.5} s, each had ≥ ${minPings} heartbeat${minPings === 1 ? "" : "s"} (CLAUDEGATE_SSE_HEARTBEAT_SECONDS=${HEARTBEAT_S}); ` +
          `the gateway counted ${fmt(stats.stream_subscribers)} subscribers; RSS peak ${fmt(hwm)} MB, ` +
          `≈ ${fmt(((rssAfter - rssBefore) * 1024) / Math.max(1, stillOpen), 1)} KiB per stream. Queue paused by ${paused}.`,
        ...(met
          ? []
          : [
              `P4 limit: ${fmt(stillOpen)} of ${fmt(STREAMS)} streams open, min ${minPings} heartbeats, RSS ${fmt(rssAfter)} MB; ` +
                `see the gateway's own output for refused or dropped connections.`,
            ]),
      ],
    };
  } finally {
    await Promise.all(readers.map((c) => endChild(c)));
    await gw.stop();
  }
}
