// The built server as a process, killed and stopped under load: no job is lost, none finishes twice, no CLI
// process outlives the server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../support/database";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { readSse } from "../support/sse-client";
import { cliProcesses, isAlive } from "../support/processes";

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake?.close();
});

async function submitMix(gw: GatewayProcess, tag: string) {
  const slow = await gw.submit({ prompt: `[[chunks:30]][[delay:200]] ${tag}-slow` });
  const queued = [];
  for (let i = 0; i < 4; i++) queued.push(await gw.submit({ prompt: `[[reply:q${i}]] ${tag}-q${i}` }));
  await gw.waitJob(slow.job_id, (j) => j.status === "processing");
  await waitUntil(() => cliProcesses([slow.job_id]).length > 0, 20_000, "the real CLI to start");
  return { slow, queued };
}

describe("crash and restart", () => {
  it("SIGKILL with one job processing and four queued: the CLI dies with the server, every job ends once after a restart", async () => {
    const gw = await GatewayProcess.start({ env: { ANTHROPIC_BASE_URL: fake.url } });
    const { slow, queued } = await submitMix(gw, "kill9");
    await gw.stop("SIGKILL");
    // setpriv --pdeathsig takes the CLI down with the server; the restart reaps anything left in its group.
    await waitUntil(() => cliProcesses([slow.job_id]).length === 0, 10_000, "the orphaned CLI to die");

    const again = await GatewayProcess.start({ dataDir: gw.dataDir, env: { ANTHROPIC_BASE_URL: fake.url } });
    try {
      const ids = [slow.job_id, ...queued.map((j) => j.job_id)];
      const done = await Promise.all(ids.map((id) => again.waitJob(id, undefined, 90_000)));
      expect(done.map((j) => j.status)).toEqual(["completed", "completed", "completed", "completed", "completed"]);
      expect(done[0].attempts).toBe(2); // interrupted once, run again
      expect(done.slice(1).map((j) => j.attempts)).toEqual([1, 1, 1, 1]);
      expect(done.slice(1).map((j) => j.result)).toEqual(["q0", "q1", "q2", "q3"]);
      // Queued jobs ran in submission order after the interrupted one.
      const started = done.map((j) => Date.parse(j.started_at));
      expect([...started].sort((a, b) => a - b)).toEqual(started);
      // Each queued job reached the API exactly once: none ran twice.
      for (let i = 0; i < 4; i++) expect(fake.requests.filter((r) => r.kind === "main" && r.prompt.endsWith(`kill9-q${i}`)).length).toBe(1);
      expect((await again.json("GET", "/api/v1/jobs")).body.total).toBe(5);
      // The per-status counts the triggers keep agree with the rows, across the crash.
      const rows = await withDatabase(again, (db) => db.all<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status"));
      const counted = Object.fromEntries(rows.map((r) => [r.status, r.n]));
      expect((await again.json("GET", "/api/v1/stats")).body.queue).toEqual({ queued: 0, processing: 0, completed: 5, failed: 0, cancelled: 0, ...counted });
      // The interrupted run spent an attempt: the metrics count it as a crash-recovery requeue.
      expect(await again.metric('claudegate_jobs_requeued_total{reason="crash_recovery"}')).toBe(1);
      expect(again.output).toMatch(new RegExp(`"msg":"job requeued","job_id":"${slow.job_id}","request_id":"[\\w-]{36}","reason":"crash_recovery","attempt":1`));
    } finally {
      await again.stop();
    }
  });

  it("a restart reaps what pdeathsig cannot: a grandchild of a CLI that died with the server", async () => {
    const env = { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_MAX_ATTEMPTS: "1" };
    const gw = await GatewayProcess.start({ env });
    const job = await gw.submit({ prompt: "[[spawn-hang]]" });
    await waitUntil(() => cliProcesses([job.job_id]).length >= 2, 20_000, "the fake CLI and its grandchild");
    await gw.stop("SIGKILL");
    // The CLI itself dies with the server; its grandchild (same group, same marker) survives until a restart.
    const survivors = await waitUntil(() => {
      const left = cliProcesses([job.job_id]);
      return left.length === 1 && left;
    }, 10_000, "only the grandchild to be left");
    expect(isAlive(survivors[0]!.pid)).toBe(true);
    const again = await GatewayProcess.start({ dataDir: gw.dataDir, env });
    try {
      await waitUntil(() => cliProcesses([job.job_id]).length === 0, 10_000, "the restart to reap the grandchild");
      expect(await again.waitJob(job.job_id)).toMatchObject({ status: "failed", error_code: "interrupted" });
    } finally {
      await again.stop();
    }
  });

  it("a server that cannot listen exits 1 without claiming a job (no attempt spent)", async () => {
    const env = { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI };
    const first = await GatewayProcess.start({ env });
    const job = await first.submit({ prompt: "[[hang]] port-taken" });
    await first.waitJob(job.job_id, (j) => j.status === "processing");
    await first.stop("SIGKILL");
    const holder = await GatewayProcess.start({ env });
    const port = new URL(holder.url).port;
    try {
      const blocked = await GatewayProcess.start({ dataDir: first.dataDir, env: { ...env, CLAUDEGATE_LISTEN_ADDR: `127.0.0.1:${port}` }, waitListening: false });
      expect((await blocked.exited).code).toBe(1);
      expect(blocked.output).toContain(`cannot listen on 127.0.0.1:${port}`);
      const row = await withDatabase(first, (db) => db.get("SELECT status, attempts FROM jobs WHERE id = ?", job.job_id));
      expect(row).toEqual({ status: "queued", attempts: 1 });
    } finally {
      await holder.stop();
    }
  });

  it("deletes finished jobs older than CLAUDEGATE_JOB_TTL_HOURS at start-up, with their events, and keeps the rest", async () => {
    const env = { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI };
    const gw = await GatewayProcess.start({ env });
    const old = await gw.submit({ prompt: "[[reply:old]] ttl-old" });
    const recent = await gw.submit({ prompt: "[[reply:recent]] ttl-recent" });
    await gw.waitJob(old.job_id);
    await gw.waitJob(recent.job_id);
    await gw.json("POST", "/api/v1/queue/pause");
    const waiting = await gw.submit({ prompt: "ttl-queued" });
    await gw.stop();
    // Age one finished job and the queued one by two days.
    const twoDaysAgo = Date.now() - 48 * 3600_000;
    await withDatabase(gw, async (db) => {
      await db.run("UPDATE jobs SET completed_at = ?, created_at = ? WHERE id = ?", twoDaysAgo, twoDaysAgo, old.job_id);
      await db.run("UPDATE jobs SET created_at = ? WHERE id = ?", twoDaysAgo, waiting.job_id);
    }, { readonly: false });
    const again = await GatewayProcess.start({ dataDir: gw.dataDir, env: { ...env, CLAUDEGATE_JOB_TTL_HOURS: "24" } });
    try {
      expect((await again.json("GET", `/api/v1/jobs/${old.job_id}`)).status).toBe(404);
      expect((await again.json("GET", `/api/v1/jobs/${old.job_id}/events`)).status).toBe(404);
      expect((await again.json("GET", `/api/v1/jobs/${recent.job_id}`)).body.status).toBe("completed");
      expect((await again.json("GET", `/api/v1/jobs/${waiting.job_id}`)).body.status).toBe("queued"); // never deleted
      expect(again.output).toMatch(/"msg":"cleanup: deleted old jobs","count":1/);
      expect(await withDatabase(again, (db) => db.value("SELECT COUNT(*) FROM job_events WHERE job_id = ?", old.job_id))).toBe(0);
    } finally {
      await again.stop();
    }
  });

  it("fails a job `interrupted` once it has used CLAUDEGATE_MAX_ATTEMPTS", async () => {
    const env = { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_MAX_ATTEMPTS: "1" };
    const gw = await GatewayProcess.start({ env });
    const job = await gw.submit({ prompt: "[[chunks:30]][[delay:200]] poison" });
    await gw.waitJob(job.job_id, (j) => j.status === "processing");
    await gw.stop("SIGKILL");
    const again = await GatewayProcess.start({ dataDir: gw.dataDir, env });
    try {
      expect(await again.waitJob(job.job_id)).toMatchObject({ status: "failed", error_code: "interrupted", attempts: 1 });
    } finally {
      await again.stop();
    }
  });

  it("SIGTERM with jobs running: exits 0 within 10 s, leaves no CLI, and the jobs run again on the next start", async () => {
    // A 1 s grace: these jobs need 8 s, so they are stopped and requeued, not waited for.
    const env = { ANTHROPIC_BASE_URL: fake.url, CLAUDEGATE_CONCURRENCY: "2", CLAUDEGATE_SHUTDOWN_GRACE_SECONDS: "1" };
    const gw = await GatewayProcess.start({ env });
    const a = await gw.submit({ prompt: "[[chunks:40]][[delay:200]] term-a" });
    const b = await gw.submit({ prompt: "[[chunks:40]][[delay:200]] term-b" });
    await waitUntil(() => cliProcesses([a.job_id]).length > 0 && cliProcesses([b.job_id]).length > 0, 20_000, "both CLIs");
    const stream = readSse(`${gw.url}/api/v1/jobs/${a.job_id}/sse`, { headers: { "X-API-Key": API_KEY } });
    await waitUntil(async () => (await gw.json("GET", "/api/v1/stats")).body.stream_subscribers === 1, 10_000, "the stream");
    const t0 = Date.now();
    const exit = await gw.stop("SIGTERM");
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(exit.code).toBe(0);
    expect(cliProcesses([a.job_id, b.job_id])).toEqual([]);
    // Its subscribers were told why the stream ended, and can resume from their last id on the next server.
    const events = (await stream).events;
    const requeued = events.at(-2)!;
    expect(requeued.event).toBe("status");
    expect(JSON.parse(requeued.data)).toEqual({ job_id: a.job_id, status: "queued", reason: "server restarting" });
    expect(events.at(-1)).toMatchObject({ event: "restarting", id: undefined });
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ job_id: a.job_id, reason: "server restarting" });

    const again = await GatewayProcess.start({ dataDir: gw.dataDir, env });
    try {
      for (const id of [a.job_id, b.job_id]) {
        // A shutdown is not the job's fault: it is requeued with its attempt refunded, not reported cancelled.
        expect(await again.waitJob(id, undefined, 90_000)).toMatchObject({ status: "completed", attempts: 1 });
      }
    } finally {
      await again.stop();
    }
  });
});
