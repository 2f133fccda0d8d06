// The fingerprint a compatible API's conversation is matched by: exact, per key, and the exchange a request continues.
import { describe, expect, it } from "vitest";
import { fingerprint, priorExchange } from "../../../runtime/compat/continuation";
import type { Turn } from "../../../runtime/compat/transcript";

const u = (text: string): Turn => ({ role: "user", text });
const a = (text: string): Turn => ({ role: "assistant", text });

describe("fingerprint", () => {
  const base = fingerprint("key-1", "Be brief.", [u("Hi")]);

  it("is the same for the same key, system prompt and messages", () => {
    expect(fingerprint("key-1", "Be brief.", [u("Hi")])).toBe(base);
  });

  it.each([
    ["another key", fingerprint("key-2", "Be brief.", [u("Hi")])],
    ["another system prompt", fingerprint("key-1", "Be brief", [u("Hi")])],
    ["a space more", fingerprint("key-1", "Be brief.", [u("Hi ")])],
    ["another role", fingerprint("key-1", "Be brief.", [a("Hi")])],
    ["a message split in two", fingerprint("key-1", "Be brief.", [u("H"), u("i")])],
  ])("differs for %s", (_, other) => {
    expect(other).not.toBe(base);
  });
});

describe("priorExchange", () => {
  it("is what came before the last answer, and that answer", () => {
    const turns = [u("Hi"), a("Hello!"), u("Name?"), a("Ada."), u("Thanks")];
    expect(priorExchange("k", { system: "", turns })).toEqual({ fingerprint: fingerprint("k", "", turns.slice(0, 3)), answer: "Ada." });
  });

  it("is nothing for a first message, or when the message before the last is not an answer", () => {
    expect(priorExchange("k", { system: "", turns: [u("Hi")] })).toBeUndefined();
    expect(priorExchange("k", { system: "", turns: [u("Hi"), u("again")] })).toBeUndefined();
    expect(priorExchange("k", { system: "", turns: [a("Hello"), u("Hi"), u("again")] })).toBeUndefined();
  });
});
