// Credentials lent to a run and given back renewed: only a valid file with a later expiresAt replaces the
// operator's, atomically, and of runs giving back at once the newest wins whatever the order.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CREDENTIALS_FILE, lendCredentials, returnCredentials } from "../../../runtime/cli/run-credentials";

const creds = (expiresAt: number, token = `t${expiresAt}`) =>
  JSON.stringify({ claudeAiOauth: { accessToken: token, refreshToken: `r-${token}`, expiresAt } });

function setup(expiresAt = 1000) {
  const root = mkdtempSync(join(tmpdir(), "cg-creds-"));
  const operator = join(root, "operator");
  mkdirSync(operator);
  writeFileSync(join(operator, CREDENTIALS_FILE), creds(expiresAt), { mode: 0o644 });
  const run = (n: number) => {
    const dir = join(root, `run-${n}`);
    mkdirSync(dir);
    return dir;
  };
  const held = () => JSON.parse(readFileSync(join(operator, CREDENTIALS_FILE), "utf8")).claudeAiOauth.expiresAt as number;
  return { root, operator, run, held };
}

describe("run credentials", () => {
  it("lends a 0600 copy and gives nothing back when the run did not renew it", async () => {
    const { operator, run, held } = setup();
    const dir = run(1);
    expect(await lendCredentials(operator, dir)).toBe(1000);
    expect(statSync(join(dir, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    expect(await returnCredentials(operator, dir, 1000)).toBe(false);
    writeFileSync(join(dir, CREDENTIALS_FILE), "{ half a file");
    expect(await returnCredentials(operator, dir, 1000)).toBe(false);
    expect(held()).toBe(1000);
  });

  it("writes a renewed token back; of many runs renewing at once the newest stays, and no temp file is left", async () => {
    const { operator, run, held } = setup();
    const dirs = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const dir = run(i);
        await lendCredentials(operator, dir);
        writeFileSync(join(dir, CREDENTIALS_FILE), creds(2000 + ((i * 7) % 20)));
        return dir;
      }),
    );
    await Promise.all(dirs.map((d) => returnCredentials(operator, d, 1000)));
    expect(held()).toBe(2019);
    expect(readdirSync(operator)).toEqual([CREDENTIALS_FILE]);
    expect(statSync(join(operator, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    // An older renewal arriving late does not replace a newer one.
    writeFileSync(join(dirs[0]!, CREDENTIALS_FILE), creds(1500));
    expect(await returnCredentials(operator, dirs[0]!, 1000)).toBe(false);
    expect(held()).toBe(2019);
  });

  it("lends nothing when the operator has no credentials file", async () => {
    const { root, run } = setup();
    const dir = run(1);
    expect(await lendCredentials(join(root, "none"), dir)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});
