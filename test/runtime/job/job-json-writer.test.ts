// A job written with its large columns in slices is byte for byte the JSON jobToJson gives for it whole.
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jobUrls, StreamTokens } from "../../../runtime/events/stream-token";
import { SLICE_CHARS } from "../../../runtime/http/paced-write";
import { jobToJson } from "../../../runtime/job/job";
import { writeJobJson } from "../../../runtime/job/job-json-writer";
import { openSqlite } from "../../../runtime/store/database";
import { JobStore } from "../../../runtime/store/job-store";
import { JobText } from "../../../runtime/store/job-text";

describe("writeJobJson", () => {
  it("writes long prompt, system prompt, metadata and result in slices, identical to jobToJson", async () => {
    const { sql, db } = openSqlite(join(mkdtempSync(join(tmpdir(), "cg-jobjson-")), "j.db"));
    const store = new JobStore(sql);
    // Quotes, backslashes, newlines, control characters, accents and astral characters, across slice edges.
    const text = (n: number) => Array.from({ length: n }, (_, i) => ['"', "\\", "\n", "\u0001", "é", "😀", "x"][i % 7]).join("");
    const prompt = text(SLICE_CHARS + 12_345);
    const metadata = JSON.stringify({ note: text(SLICE_CHARS * 2), n: [1, 2, 3] });
    await store.insert(
      { id: "j1", prompt, systemPrompt: text(SLICE_CHARS + 7), model: "haiku", callbackUrl: "", webhookEvents: [], metadata, responseFormat: "", timeoutSeconds: undefined, requestId: "", createdAt: 1, owner: "", sessionId: "s1", fork: false },
      10,
    );
    await store.sessions.create({ id: "s1", owner: "" });
    const claimed = (await store.claimNext({ instance: "i1", leaseMs: 60_000 }))!;
    expect(claimed.job.id).toBe("j1");
    await store.finish("j1", claimed.job.attempts, { status: "completed", result: text(3 * SLICE_CHARS + 1), error: "", errorCode: "" });
    const jobText = new JobText(sql);
    const lean = (await jobText.get("j1"))!;
    expect(Object.keys(lean.omitted).sort()).toEqual(["metadata", "prompt", "result", "system_prompt"]);

    const tokens = new StreamTokens("s".repeat(40), 3_600_000);
    const server = createServer((_req, res) => {
      res.writeHead(200);
      void writeJobJson(res, { jobText, tokens }, lean, "[", "]").then(() => res.end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const body = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).text();
      const whole = `[${jobToJson((await store.get("j1"))!, jobUrls("j1", tokens))}]`;
      // The stream URL carries a fresh token each time (its expiry may differ by a second).
      const masked = (s: string) => s.replace(/token=[\w.-]+/, "token=T");
      expect(body.length).toBeGreaterThan(6 * SLICE_CHARS);
      expect(masked(body)).toBe(masked(whole));
      expect(JSON.parse(body)[0].result).toBe(text(3 * SLICE_CHARS + 1));
    } finally {
      server.close();
      db.close();
    }
  });
});
