// Session workspaces with the scripted CLI: an uploaded file is in the CLI's working directory, a file the CLI
// writes can be downloaded after the turn, paths are confined (%2e%2e, absolute, a symlink the CLI makes to
// outside is not followed), limits answer 413, and a workspace survives a restart. Default storage (the
// gateway's database through unstorage's db0 driver) and the fs driver.
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { API_KEY, FAKE_CLI, GatewayProcess } from "../support/gateway-process";
import { createTenant } from "../support/tenants";

const started: GatewayProcess[] = [];
afterAll(async () => {
  for (const g of started) await g.stop();
});

async function gateway(env: Record<string, string> = {}, dataDir?: string): Promise<GatewayProcess> {
  const gw = await GatewayProcess.start({
    dataDir,
    env: { CLAUDEGATE_CLAUDE_PATH: FAKE_CLI, CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES: "1000", CLAUDEGATE_WORKSPACE_MAX_BYTES: "3000", ...env },
  });
  started.push(gw);
  return gw;
}

const put = (gw: GatewayProcess, sid: string, path: string, body: string, headers: Record<string, string> = {}) =>
  gw.json("PUT", `/api/v1/sessions/${sid}/files/${path}`, body, { "Content-Type": "application/octet-stream", ...headers });

/** A request with the path exactly as written (fetch would resolve the dot segments itself). */
function rawRequest(gw: GatewayProcess, method: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { "X-API-Key": API_KEY } }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function newSession(gw: GatewayProcess): Promise<string> {
  const first = await gw.submit({ prompt: "[[reply:ok]] ws-first" });
  await gw.waitJob(first.job_id);
  return first.session_id;
}

async function turn(gw: GatewayProcess, sid: string, prompt: string): Promise<any> {
  const job = await gw.submit({ prompt, session_id: sid });
  const done = await gw.waitJob(job.job_id);
  expect(done.status, JSON.stringify(done)).toBe("completed");
  return done;
}

describe.each([
  ["the database (unstorage db0)", () => ({})],
  ["the file system (unstorage fs)", () => ({ CLAUDEGATE_WORKSPACE_STORAGE: `fs:${mkdtempSync(join(tmpdir(), "cg-wsfs-"))}` })],
])("workspaces kept in %s", (_, env) => {
  it("shows an uploaded file to the CLI, and keeps the files the CLI writes", async () => {
    const gw = await gateway(env());
    const sid = await newSession(gw);
    const up = await put(gw, sid, "docs/in put.txt", "hello");
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ path: "docs/in put.txt", size: 5, sha256: createHash("sha256").update("hello").digest("hex") });
    expect((await put(gw, sid, "docs/in put.txt", "hello!")).status).toBe(200);

    const listed = await turn(gw, sid, "[[ls]] ws-ls");
    expect(listed.result).toBe("docs/in put.txt:6");

    await turn(gw, sid, "[[write:out/result.md=# made by the CLI;docs/in put.txt=changed]][[reply:wrote]] ws-write");
    const files = (await gw.json("GET", `/api/v1/sessions/${sid}/files`)).body;
    expect(files.files.map((f: any) => [f.path, f.size])).toEqual([
      ["docs/in put.txt", 7],
      ["out/result.md", 17],
    ]);
    expect(files.total_bytes).toBe(24);
    const res = await gw.request("GET", `/api/v1/sessions/${sid}/files/out/result.md`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(await res.text()).toBe("# made by the CLI");

    // The next turn sees what the last one left; a deleted file is gone for it.
    expect((await gw.request("DELETE", `/api/v1/sessions/${sid}/files/docs/in%20put.txt`)).status).toBe(204);
    expect((await turn(gw, sid, "[[ls]] ws-ls-2")).result).toBe("out/result.md:17");
    expect((await gw.json("GET", `/api/v1/sessions/${sid}/files/docs/in%20put.txt`)).status).toBe(404);
  });
});

describe("files right after a turn", () => {
  it("are the turn's files as soon as its job has ended, even while its CLI lingers after the result", async () => {
    const gw = await gateway();
    const sid = await newSession(gw);
    // The job ends at the result line; the CLI lingers (killed 2 s later), and only then is its folder read back.
    await turn(gw, sid, "[[write:late.txt=written before the result]][[reply:done]][[linger]] ws-linger");
    const files = (await gw.json("GET", `/api/v1/sessions/${sid}/files`)).body.files;
    expect(files.map((f: any) => f.path)).toEqual(["late.txt"]);
    expect(await (await gw.request("GET", `/api/v1/sessions/${sid}/files/late.txt`)).text()).toBe("written before the result");
  });
});

describe("workspace confinement and limits", () => {
  it("refuses traversal: %2e%2e, raw dot segments, absolute paths, NUL", async () => {
    const gw = await gateway();
    const sid = await newSession(gw);
    // Refused by the path rules (400), or resolved by the router to a path that is no route at all (404).
    for (const p of ["%2e%2e/escape.txt", "a/%2E%2E/%2e%2e/x", "%2Fetc%2Fpasswd", "a%2F..%2Fb", "a%00b", "a//b"]) {
      const r = await put(gw, sid, p, "x");
      expect([400, 404], `${p}: ${JSON.stringify(r.body)}`).toContain(r.status);
      if (r.status === 400) expect(r.body.error, p).toMatch(/^path must/);
    }
    const refused = await put(gw, sid, "a%2F..%2Fb", "x");
    expect(refused).toMatchObject({ status: 400, body: { error: "path must not contain . or .. segments" } });
    expect((await put(gw, sid, "%2Fetc%2Fpasswd", "x")).body).toEqual({ error: "path must be relative (no leading /)" });
    expect((await put(gw, sid, "a%00b", "x")).body).toEqual({ error: "path must not contain NUL characters" });
    for (const p of [`/api/v1/sessions/${sid}/files/../../../etc/passwd`, `/api/v1/sessions/${sid}/files/./x`]) {
      const r = await rawRequest(gw, "GET", p);
      expect([400, 404], `${p}: ${r.body}`).toContain(r.status);
      expect(r.body).not.toContain("root:");
    }
    expect((await gw.json("GET", `/api/v1/sessions/${sid}/files`)).body.files).toEqual([]);
  });

  it("does not follow a symlink the CLI makes to outside: it is not kept, and cannot be downloaded", async () => {
    const gw = await gateway();
    const sid = await newSession(gw);
    await turn(gw, sid, "[[symlink:passwd=/etc/passwd;up=..]][[write:real.txt=kept]][[reply:done]] ws-symlink");
    const files = (await gw.json("GET", `/api/v1/sessions/${sid}/files`)).body.files;
    expect(files.map((f: any) => f.path)).toEqual(["real.txt"]);
    expect((await gw.json("GET", `/api/v1/sessions/${sid}/files/passwd`)).status).toBe(404);
    expect(gw.output).toMatch(/"msg":"workspace file not kept".*"path":"passwd".*"why":"a symbolic link \(not followed\)"/);
  });

  it("answers 413 past the per-file, per-session and per-key limits; 404 for another tenant's session", async () => {
    const gw = await gateway();
    const sid = await newSession(gw);
    const big = await put(gw, sid, "big.bin", "x".repeat(1001));
    expect(big).toMatchObject({ status: 413, body: { error: "file must be at most 1000 bytes (CLAUDEGATE_WORKSPACE_MAX_FILE_BYTES)" } });
    for (const n of [1, 2, 3]) expect((await put(gw, sid, `f${n}`, "y".repeat(1000))).status).toBe(201);
    expect(await put(gw, sid, "f4", "z")).toMatchObject({
      status: 413,
      body: { error: "the session's files would pass 3000 bytes (CLAUDEGATE_WORKSPACE_MAX_BYTES)" },
    });

    const t = await createTenant(gw, "ws-tenant", { workspace_max_bytes: 1500 });
    const mine = await gw.json("POST", "/api/v1/jobs", { prompt: "[[reply:ok]] ws-tenant" }, t.h);
    const tsid = mine.body.session_id;
    // While its turn runs, the files of a session do not change.
    const during = await put(gw, tsid, "early", "x", t.h);
    if (during.status === 409) expect(during.body.error).toBe("a turn of this session is running; change its files when it has ended");
    await gw.waitJob(mine.body.job_id);
    if (during.status !== 409) await gw.request("DELETE", `/api/v1/sessions/${tsid}/files/early`, undefined, t.h);
    expect((await put(gw, tsid, "a", "1".repeat(1000), t.h)).status).toBe(201);
    expect(await put(gw, tsid, "b", "2".repeat(600), t.h)).toMatchObject({
      status: 413,
      body: { error: "this key's files would pass 1500 bytes (policy.workspace_max_bytes)" },
    });
    const other = await createTenant(gw, "ws-other");
    expect(await put(gw, tsid, "c", "x", other.h)).toMatchObject({ status: 404, body: { error: "session not found" } });
    expect((await gw.json("GET", `/api/v1/sessions/${tsid}/files/a`, undefined, other.h)).status).toBe(404);
  });

  it("keeps a workspace across a restart, and deletes it with its session", async () => {
    const gw = await gateway();
    const sid = await newSession(gw);
    await put(gw, sid, "notes.txt", "persist me");
    await gw.stop();
    const again = await gateway({}, gw.dataDir);
    expect((await turn(again, sid, "[[ls]] ws-restart")).result).toBe("notes.txt:10");
    expect((await again.request("DELETE", `/api/v1/sessions/${sid}`)).status).toBe(204);
    expect((await again.json("GET", `/api/v1/sessions/${sid}/files`)).status).toBe(404);
  });
});
