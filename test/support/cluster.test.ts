// startCluster (test/support/cluster.ts): N real gateways, each with its own data directory, all handed one
// PostgreSQL URL and the same API key. What they do with that shared database is the multi-instance tests' business
// (issue 12); this checks what the helper promises.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "./cluster";
import { API_KEY, FAKE_CLI } from "./gateway-process";
import { databaseUrlFor } from "./test-backend";

const FAKE = { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI };

function environOf(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, "utf8");
  return Object.fromEntries(raw.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

describe("startCluster", () => {
  it("starts n gateways on one database URL, each with its own data directory and the same key", async () => {
    cluster = await startCluster(3, { env: FAKE });
    const { members, databaseUrl } = cluster;
    expect(members).toHaveLength(3);
    expect(new Set(members.map((m) => m.dataDir)).size).toBe(3);
    expect(new Set(members.map((m) => m.url)).size).toBe(3);
    for (const m of members) {
      expect(m.database).toStrictEqual({ backend: "postgres", url: databaseUrl });
      const env = environOf(m.child.pid!);
      expect(env.CLAUDEGATE_DATABASE_URL).toBe(databaseUrl);
      expect(env.CLAUDEGATE_API_KEYS).toBe(API_KEY);
      expect(env.CLAUDEGATE_CLAUDE_PATH).toBe(FAKE_CLI);
      expect((await m.json("GET", "/api/v1/health")).status).toBe(200); // the key works on every member
    }
    // A second cluster gets a database of its own.
    const other = await startCluster(1, { env: FAKE });
    try {
      expect(other.databaseUrl).not.toBe(databaseUrl);
    } finally {
      await other.stopAll();
    }
  });

  it("uses the URL it is given, and stopAll stops every member", async () => {
    const url = await databaseUrlFor("given to the cluster");
    cluster = await startCluster(2, { env: FAKE, databaseUrl: url });
    expect(cluster.databaseUrl).toBe(url);
    expect(cluster.members.map((m) => environOf(m.child.pid!).CLAUDEGATE_DATABASE_URL)).toEqual([url, url]);
    await cluster.stopAll();
    expect(await Promise.all(cluster.members.map((m) => m.exited))).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  });

  it("a member that fails to start fails the whole start, and the members that did start are stopped", async () => {
    // One fixed port for both: one member listens, the other cannot.
    const port = await new Promise<number>((res) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => res(port));
      });
    });
    const env = { ...FAKE, CLAUDEGATE_LISTEN_ADDR: `127.0.0.1:${port}` };
    await expect(startCluster(2, { env })).rejects.toThrow(/gateway exited before listening[\s\S]*cannot listen on 127\.0\.0\.1:/);
    // The member that got the port is gone with it: nothing answers there any more.
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/health`)).rejects.toThrow();
  });
});
