// Webhooks with three gateways on one database (issue 12): every instance polls the one outbox, and each
// delivery attempt is made by exactly one of them (`take` leases a delivery for one attempt).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../support/cluster";
import { FAKE_CLI, waitUntil } from "../support/gateway-process";
import { startReceiver, type Receiver } from "../support/webhook-receiver";

let cluster: Cluster;
let receiver: Receiver;
beforeAll(async () => {
  cluster = await startCluster(3, {
    env: {
      CLAUDEGATE_CLAUDE_PATH: FAKE_CLI,
      CLAUDEGATE_CONCURRENCY: "2",
      CLAUDEGATE_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
      CLAUDEGATE_WEBHOOK_RETRY_SCHEDULE: "0.3",
      CLAUDEGATE_WEBHOOK_TIMEOUT_SECONDS: "2",
    },
  });
});
afterAll(async () => {
  await cluster?.stopAll();
  await receiver?.close();
});

describe("webhooks with three instances", () => {
  it("makes each attempt exactly once: 500 then 200 is two requests with one webhook-id, and two recorded attempts", async () => {
    // Per delivery, whatever the interleaving: its first request gets 500, its second 200.
    receiver = await startReceiver("127.0.0.1", (got, before) => ({
      status: before.some((r) => r.headers["webhook-id"] === got.headers["webhook-id"]) ? 200 : 500,
    }));
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
});
