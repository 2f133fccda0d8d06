// M1: clients that never read, each asking for the largest response the API can give, and what they cost the
// gateway in memory (the target: 50 of them raise its RSS by less than 100 MB).
// The gateway holds one job with the longest history the default config allows (10,000,000 bytes of answer,
// under CLAUDEGATE_MAX_RESULT_BYTES, in 4 KiB chunks, then the `result` event repeating it) and 100 jobs with a
// result of that size each (a full page of `GET /api/v1/jobs?limit=100`, ~1 GB as JSON). Half the clients open
// the first job's SSE stream from the start, half the job list; each is a raw socket that stops reading once its
// status line has arrived. RSS (/proc VmRSS) is taken after a warm-up read of both responses, and at its peak
// over the 5 s after the last client got its status line.
import http from "node:http";
import net from "node:net";
import { API_KEY, Gateway, fmt, sleep } from "./lib.mjs";

const CLIENTS = 50;
const TEXT_BYTES = 10_000_000;
const LIST_JOBS = 100;
const TARGET_MB = 100;

export async function run({ log }) {
  const gw = await Gateway.start("m1", { CLAUDEGATE_CONCURRENCY: "2" });
  const socks = [];
  try {
    const t0 = Date.now();
    const history = (await gw.submit({ prompt: `[[flood:${TEXT_BYTES}]][[piece:4096]] longest history` })).job_id;
    const ids = [history];
    for (let i = 1; i < LIST_JOBS; i++) ids.push((await gw.submit({ prompt: `[[flood:${TEXT_BYTES}]][[piece:262144]] largest result ${i}` })).job_id);
    for (const id of ids) {
      const job = await gw.waitJob(id, (j) => ["completed", "failed", "cancelled"].includes(j.status), 600_000);
      if (job.status !== "completed") throw new Error(`job ${id} ${job.status}: ${job.error}`);
    }
    log(`${LIST_JOBS} jobs of ${fmt(TEXT_BYTES)} bytes each in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const cold = gw.rssMiB();
    // Warm-up: both responses read once in full (counted, not kept: the list is ~1 GB).
    const sizes = { list: await readBytes(`${gw.url}/api/v1/jobs?limit=${LIST_JOBS}`), sse: await readBytes(`${gw.url}/api/v1/jobs/${history}/sse`) };
    await sleep(1000);
    const before = gw.rssMiB();

    const port = Number(new URL(gw.url).port);
    for (let i = 0; i < CLIENTS; i++) {
      const path = i % 2 === 0 ? `/api/v1/jobs/${history}/sse` : `/api/v1/jobs?limit=${LIST_JOBS}`;
      const { sock, status } = await stalledRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\n\r\n`);
      socks.push(sock);
      if (status !== 200) throw new Error(`${path}: HTTP ${status}`);
    }
    let peak = 0;
    for (const until = Date.now() + 5000; Date.now() < until; await sleep(100)) peak = Math.max(peak, gw.rssMiB());
    const stats = await gw.stats();
    const rise = peak - before;
    return {
      rows: [
        {
          id: "M1",
          scenario: `${CLIENTS} clients that never read: SSE replay of the longest history, job list of ${LIST_JOBS} largest results; gateway RSS`,
          figure: `RSS ${fmt(before)} → ${fmt(peak)} MB (${rise < 0 ? "−" : "+"}${fmt(Math.abs(rise))} MB)`,
          baseline: `RSS after a warm-up read of both: ${fmt(before)} MB (before it: ${fmt(cold)} MB)`,
          target: `+ < ${TARGET_MB} MB`,
          met: rise < TARGET_MB,
        },
      ],
      notes: [
        `M1: responses of ${fmt(sizes.sse / 1e6, 1)} MB (SSE, ${fmt(TEXT_BYTES)} bytes of text in 4 KiB chunks plus the result) and ` +
          `${fmt(sizes.list / 1e6, 0)} MB (job list); ${CLIENTS / 2} clients on each stopped reading after the status line; ` +
          `${fmt(stats.stream_subscribers)} streams still subscribed at the end; RSS peak over 5 s after the last one.`,
      ],
    };
  } finally {
    for (const s of socks) s.destroy();
    await gw.stop();
  }
}

/** Sends a request, waits for the status line, then stops reading. */
function stalledRequest(port, request) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let got = "";
    const timer = setTimeout(() => (sock.destroy(), reject(new Error("no status line in 60 s"))), 60_000);
    const onData = (d) => {
      got += d.toString("latin1", 0, Math.min(d.length, 64));
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      if (!m) return;
      clearTimeout(timer);
      sock.off("data", onData);
      sock.pause();
      resolve({ sock, status: Number(m[1]) });
    };
    sock.on("data", onData);
    sock.on("error", (err) => (clearTimeout(timer), reject(err)));
    sock.on("connect", () => sock.write(request));
  });
}

/** Reads a whole response, counting its bytes. */
function readBytes(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { "X-API-Key": API_KEY } }, (res) => {
        let n = 0;
        res.on("data", (d) => (n += d.length));
        res.on("end", () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}
