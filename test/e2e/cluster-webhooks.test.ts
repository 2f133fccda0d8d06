// Webhooks with three gateways on one database (issue 12): every instance polls the one outbox, and each
// delivery attempt is made by exactly one of them (`take` leases a delivery for one attempt).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../support/cluster";
import { FAKE_CLI, waitUntil } from "../support/gateway-process";
import { databaseUrlFor } from "../support/test-backend";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

const ENV = {
  CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
  CLAUDEGATE_CONCURRENCY: "2",
  CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
  CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: "0.3",
  CLAUDEGATE_WEBHOOK_TIMEOUT_SECONDS: "2",
};
const clusters: Cluster[] = [];
const receivers: Receiver[] = [];
let cluster: Cluster;
let receiver: Receiver;
beforeAll(async () => {
  cluster = await startCluster(3, { env: ENV });
  clusters.push(cluster);
});
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stopAll()));
  await Promise.all(receivers.map((r) => r.close()));
});

/** Per delivery, whatever the interleaving: its first request gets 500, every later one 200. */
async function failFirstReceiver(): Promise<Receiver> {
  const r = await startReceiver("127.0.0.1", (got, before) => ({
    status: before.some((x) => x.headers["webhook-id"] === got.headers["webhook-id"]) ? 200 : 500,
  }));
  receivers.push(r);
  return r;
}

describe("webhooks with three instances", () => {
  it("makes each attempt exactly once: 500 then 200 is two requests with one webhook-id, and two recorded attempts", async () => {
    receiver = await failFirstReceiver();
    // Ten jobs spread over the three instances, so their deliveries are due while every instance polls.
    const jobs: string[] = [];
    for (let i = 0; i < 10; i++) jobs.push((await cluster.members[i % 3]!.submit({ prompt: `[[reply:hook ${i}]]`, callback_url: receiver.url })).job_id);
    const settled = async (id: string) => {
      const ds = (await cluster.members[(jobs.indexOf(id) + 1) % 3]!.json("GET", `/api/v1/jobs/${id}/deliveries`)).body.deliveries;
      return ds.length === 1 && ds[0].status !== "pending" ? ds[0] : undefined;
    };
    const deliveries = await waitUntil(async () => {
      const all = await Promise.all(jobs.map(settled));
      return all.every(Boolean) && all;
    }, 30_000, "every delivery to settle");

    for (const d of deliveries) {
      expect(d).toMatchObject({ status: "delivered", attempt_count: 2, type: "job.completed" });
      expect(d.attempts.map((a: any) => [a.n, a.status_code])).toEqual([
        [1, 500],
        [2, 200],
      ]);
    }
    // The receiver saw exactly two requests per delivery, each carrying that delivery's id.
    const perId = new Map<string, number>();
    for (const r of receiver.received) perId.set(String(r.headers["webhook-id"]), (perId.get(String(r.headers["webhook-id"])) ?? 0) + 1);
    expect(Object.fromEntries(perId)).toEqual(Object.fromEntries(deliveries.map((d: any) => [d.id, 2])));
    expect(receiver.received).toHaveLength(20);
  });

  it("a retry survives the death of the instance that made the first attempt", async () => {
    // Alone on a database of its own, X makes the first attempt (500); it dies by SIGKILL before the retry is due,
    // and Y, started on the same database afterwards, makes the second.
    const url = await databaseUrlFor("webhook retry survives");
    const retryLater = { ...ENV, CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: "3" };
    const x = await startCluster(1, { databaseUrl: url, env: retryLater });
    clusters.push(x);
    const r = await failFirstReceiver();
    const job = await x.members[0]!.submit({ prompt: "[[reply:survives]]", callback_url: r.url });
    await waitUntil(async () => {
      const [d] = (await x.members[0]!.json("GET", `/api/v1/jobs/${job.job_id}/deliveries`)).body.deliveries;
      return d?.attempt_count === 1;
    }, 15_000, "X's first attempt to be recorded");
    await x.members[0]!.stop("SIGKILL");
    expect(r.received).toHaveLength(1);

    const y = await startCluster(1, { databaseUrl: url, env: retryLater });
    clusters.push(y);
    const d = await waitUntil(async () => {
      const [dd] = (await y.members[0]!.json("GET", `/api/v1/jobs/${job.job_id}/deliveries`)).body.deliveries;
      return dd?.status === "delivered" && dd;
    }, 15_000, "Y to deliver the retry");
    expect(d.attempts.map((a: any) => [a.n, a.status_code])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(r.received.map((x) => x.headers["webhook-id"])).toEqual([d.id, d.id]);
  });
});
