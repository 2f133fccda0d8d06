// Observability end to end: a real Prometheus scrapes a gateway's key-less metrics listener every second while
// known jobs run (completed, failed, cancelled, retried, one with a webhook), and PromQL over its HTTP API returns
// exactly the expected figures; promtool accepts the scraped text and the alert rules. /metrics on the API port
// needs an operator key. Every log line of a job names its job_id and the request_id that created it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI, GatewayProcess, waitUntil } from "../support/gateway-process";
import { promtool, PrometheusProcess, skipWithoutPrometheus } from "../support/prometheus";
import { createTenant, submitAs } from "../support/tenants";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

const SKIP_PROMETHEUS = skipWithoutPrometheus();

let gw: GatewayProcess;
let prom: PrometheusProcess | undefined;
let receiver: Receiver;
let metricsUrl: string;

beforeAll(async () => {
  receiver = await startReceiver("127.0.0.1");
  gw = await GatewayProcess.start({
    env: {
      CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
      CLAUDEGATE_CONCURRENCY: "2",
      CLAUDEGATE_METRICS_ADDR: "127.0.0.1:0",
      CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    },
  });
  metricsUrl = (await waitUntil(() => /"msg":"metrics listening","url":"([^"]+)"/.exec(gw.output), 10_000, "the metrics listener"))[1]!;
  if (!SKIP_PROMETHEUS) prom = await PrometheusProcess.start(new URL(metricsUrl).host);
});
afterAll(async () => {
  await prom?.stop();
  await gw?.stop();
  await receiver?.close();
});

describe.skipIf(SKIP_PROMETHEUS)("metrics scraped by Prometheus", () => {
  it("counts a known mix of jobs exactly, by status, error_code, model and key", async () => {
    await prom!.waitValue('up{job="claudegate"}', 1);
    const run = async (body: Record<string, unknown>) => gw.waitJob((await gw.submit(body)).job_id);
    const hanging = await gw.submit({ prompt: "[[hang]] to cancel" });
    await gw.waitJob(hanging.job_id, (j) => j.status === "processing");
    expect((await gw.json("POST", `/api/v1/jobs/${hanging.job_id}/cancel`)).status).toBe(200);
    const done = await Promise.all([
      run({ prompt: "[[reply:a|b]] one" }),
      run({ prompt: "[[reply:c]] two", model: "sonnet" }),
      run({ prompt: "[[api-retry:2]] three" }),
      run({ prompt: "[[crash]]" }),
      run({ prompt: "[[api-error:500]]" }),
      run({ prompt: "[[reply:hook]] four", callback_url: receiver.url }),
    ]);
    expect(done.map((j) => `${j.status}:${j.error_code ?? ""}`)).toEqual([
      "completed:", "completed:", "completed:", "failed:cli_error", "failed:api_error", "completed:",
    ]);
    await waitUntil(() => receiver.received.length === 1, 20_000, "the webhook");

    const expected: [string, number][] = [
      ["sum(claudegate_jobs_submitted_total)", 7],
      ['sum(claudegate_jobs_submitted_total{model="sonnet",key="operator"})', 1],
      ['sum(claudegate_jobs_finished_total{status="completed",error_code="none"})', 4],
      ['sum(claudegate_jobs_finished_total{status="completed",model="sonnet"})', 1],
      ['sum(claudegate_jobs_finished_total{status="failed",error_code="cli_error"})', 1],
      ['sum(claudegate_jobs_finished_total{status="failed",error_code="api_error"})', 1],
      ['sum(claudegate_jobs_finished_total{status="cancelled",error_code="cancelled"})', 1],
      ["sum(claudegate_cli_api_retries_total)", 2],
      ["sum(claudegate_jobs_requeued_total)", 0],
      ['claudegate_queue_jobs{status="completed"}', 4],
      ['claudegate_queue_jobs{status="failed"}', 2],
      ['claudegate_queue_jobs{status="cancelled"}', 1],
      ['claudegate_queue_jobs{status="queued"}', 0],
      ['claudegate_queue_jobs{status="processing"}', 0],
      ["claudegate_running_clis", 0],
      ["sum(claudegate_job_queued_seconds_count)", 7],
      ["sum(claudegate_job_run_seconds_count)", 7],
      ['sum(claudegate_job_run_seconds_count{status="cancelled"})', 1],
      // Text came from the four completed runs only; five runs printed a result line (the api_error one too).
      ["sum(claudegate_job_first_chunk_seconds_count)", 4],
      ["claudegate_cli_linger_seconds_count", 5],
      // The fake CLI reports 10 input tokens per result line and one output token per delta; $0.00004 per success.
      ['sum(claudegate_tokens_total{type="input"})', 50],
      ['sum(claudegate_tokens_total{type="output"})', 6],
      ['sum(claudegate_tokens_total{type="cache_read"})', 0],
      ['sum(claudegate_cost_usd_total{key="operator"})', 0.00016],
      ['claudegate_webhook_attempts_total{outcome="delivered"}', 1],
      ['sum(claudegate_webhook_attempts_total{outcome!="delivered"})', 0],
      ['sum(claudegate_webhook_attempt_seconds_count{outcome="delivered"})', 1],
      ["claudegate_webhooks_pending", 0],
      ['sum(claudegate_http_request_duration_seconds_count{method="POST",route="/api/v1/jobs",status="202"})', 7],
      ['sum(claudegate_http_request_duration_seconds_count{method="POST",route="/api/v1/jobs/{id}/cancel",status="200"})', 1],
    ];
    for (const [q, v] of expected) await prom!.waitValue(q, v);
    // A job's id never becomes a label value: requests by id are counted under their route's template.
    const routes = (await prom!.query("claudegate_http_request_duration_seconds_count")).map((s) => s.metric.route!);
    expect(routes.filter((r) => r.includes(hanging.job_id))).toEqual([]);
  });

  it("reports the queue's pause by reason, read from the database", async () => {
    await prom!.waitValue('claudegate_queue_paused{reason="operator"}', 0);
    expect((await gw.json("POST", "/api/v1/queue/pause", { reason: "metrics test" })).status).toBe(200);
    await prom!.waitValue('claudegate_queue_paused{reason="operator"}', 1);
    await prom!.waitValue('claudegate_queue_paused{reason="usage_limit"}', 0);
    expect((await gw.json("POST", "/api/v1/queue/resume")).status).toBe(200);
    await prom!.waitValue('claudegate_queue_paused{reason="operator"}', 0);
  });

  it("serves text that promtool check metrics accepts, and alert rules that promtool check rules and test rules accept", async () => {
    const text = await (await fetch(metricsUrl)).text();
    const metrics = promtool(["check", "metrics"], text);
    expect(metrics.output).toBe("");
    expect(metrics.status).toBe(0);
    const rules = promtool(["check", "rules", "deploy/prometheus/alerts.yml"]);
    expect(rules.output).toContain("SUCCESS: 6 rules found");
    expect(rules.status).toBe(0);
    // And each rule fires (and stays quiet) as intended on made-up series.
    const unit = promtool(["test", "rules", "deploy/prometheus/alerts.test.yml"]);
    expect(unit.output).toContain("SUCCESS");
    expect(unit.status).toBe(0);
  });
});

describe("access to the metrics", () => {
  it("needs an operator key on the API port, and answers the text format with one", async () => {
    const none = await fetch(`${gw.url}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: "missing X-API-Key header" });
    expect((await fetch(`${gw.url}/metrics`, { headers: { "X-API-Key": "wrong" } })).status).toBe(401);
    const ok = await fetch(`${gw.url}/metrics`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await ok.text();
    expect(text).toContain("# TYPE claudegate_jobs_finished_total counter");
    expect(text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
  });

  it("refuses a tenant key on /metrics and the status timeline (operator only)", async () => {
    const tenant = await createTenant(gw, "metrics-peeker");
    for (const path of ["/metrics", "/api/v1/stats/timeline"]) {
      const r = await fetch(`${gw.url}${path}`, { headers: tenant.h });
      expect(r.status, path).toBe(403);
      expect(await r.json(), path).toEqual({ error: "operator key required" });
    }
  });

  it("serves only GET /metrics on CLAUDEGATE_METRICS_ADDR, without a key", async () => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('claudegate_queue_jobs{status="queued"}');
    expect((await fetch(new URL("/api/v1/jobs", metricsUrl))).status).toBe(404);
    expect((await fetch(metricsUrl, { method: "POST" })).status).toBe(405);
    expect(new URL(metricsUrl).hostname).toBe("127.0.0.1");
  });
});

describe("stream metrics", () => {
  it("counts the SSE streams open now", async () => {
    expect(await gw.metric("claudegate_sse_open_streams")).toBe(0);
    const job = await gw.submit({ prompt: "[[hang]] watched" });
    const reading = gw.sse(job.job_id);
    await waitUntil(async () => (await gw.metric("claudegate_sse_open_streams")) === 1, 10_000, "the stream to be counted");
    await gw.json("POST", `/api/v1/jobs/${job.job_id}/cancel`);
    expect((await reading).at(-1)!.event).toBe("result");
    await waitUntil(async () => (await gw.metric("claudegate_sse_open_streams")) === 0, 10_000, "the stream to be gone");
  });
});

describe("job logs", () => {
  it("carry the job_id and the creating request's id on every line, from submit to webhook", async () => {
    const res = await gw.request("POST", "/api/v1/jobs", { prompt: "[[api-retry:1]] traced", callback_url: receiver.url }, { "X-Request-ID": "trace-req-1" });
    const job = await res.json();
    await gw.waitJob(job.job_id);
    await waitUntil(() => gw.output.includes(`"msg":"webhook delivered","job_id":"${job.job_id}"`), 20_000, "the webhook's log line");
    const lines = gw.output.split("\n").filter((l) => l.includes(job.job_id)).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(["job submitted", "job started", "CLI retrying an API call", "job finished", "webhook delivered"]);
    for (const l of lines) expect(l, l.msg).toMatchObject({ job_id: job.job_id, request_id: "trace-req-1" });
    expect(lines[3]).toMatchObject({ level: "INFO", status: "completed", attempt: 1 });
  });

  it("writes debug lines at CLAUDEGATE_LOG_LEVEL=debug", async () => {
    const chatty = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_LOG_LEVEL: "debug" } });
    try {
      const job = await chatty.waitJob((await chatty.submit({ prompt: "[[reply:fine]]" })).job_id);
      const spawned = chatty.output.split("\n").filter((l) => l.includes('"msg":"CLI spawned"')).map((l) => JSON.parse(l));
      expect(spawned).toEqual([{ time: expect.any(String), level: "DEBUG", msg: "CLI spawned", job_id: job.job_id, request_id: expect.any(String), pid: expect.any(Number) }]);
    } finally {
      await chatty.stop();
    }
  });

  it("leaves out lines below CLAUDEGATE_LOG_LEVEL", async () => {
    const quiet = await GatewayProcess.start({ env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_LOG_LEVEL: "warn" } });
    try {
      const ok = await quiet.waitJob((await quiet.submit({ prompt: "[[reply:fine]]" })).job_id);
      const bad = await quiet.waitJob((await quiet.submit({ prompt: "[[crash]]" })).job_id);
      expect(bad.status).toBe("failed");
      const lines = quiet.output.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      // The start-up line is always written (supervisors wait for it); of the jobs, only the failure (a warning).
      expect(lines.map((l) => `${l.level} ${l.msg} ${l.job_id ?? ""}`.trim())).toEqual([
        `INFO claudegate listening`,
        `WARN job finished ${bad.job_id}`,
      ]);
      expect(ok.status).toBe("completed");
    } finally {
      await quiet.stop();
    }
  });
});

describe("tenant jobs in the metrics", () => {
  it("count a tenant job's submit, tokens and cost under its key's name, never its secret or id", async () => {
    const tenant = await createTenant(gw, "billing-svc");
    const job = await submitAs(gw, tenant, { prompt: "[[cost:0.25]] [[reply:a|b|c]] billed", model: "sonnet" });
    expect((await gw.waitJob(job.job_id)).status).toBe("completed");
    const key = 'key="billing-svc"';
    expect(await gw.metric(`claudegate_jobs_submitted_total{model="sonnet",${key}}`)).toBe(1);
    expect(await gw.metric(`claudegate_jobs_finished_total{status="completed",error_code="none",model="sonnet",${key}}`)).toBe(1);
    expect(await gw.metric(`claudegate_tokens_total{type="input",model="sonnet",${key}}`)).toBe(10);
    expect(await gw.metric(`claudegate_tokens_total{type="output",model="sonnet",${key}}`)).toBe(3);
    expect(await gw.metric(`claudegate_cost_usd_total{model="sonnet",${key}}`)).toBe(0.25);
    const text = await (await gw.request("GET", "/metrics")).text();
    expect(text).not.toContain(tenant.key);
    expect(text).not.toContain(tenant.id);
  });
});
