// What a bwrap sandbox shows of the host: system folders, a few /etc files, the CLI's install, never a data folder.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostLayout } from "../../../runtime/sandbox/layout";
import { leaseSlot, releaseSlot } from "../../../workers/uid-lease";

function fakeInstall() {
  const root = mkdtempSync(join(tmpdir(), "cg-layout-"));
  const pkg = join(root, "node_modules", "@anthropic-ai", "claude-code");
  mkdirSync(join(pkg, "bin"), { recursive: true });
  writeFileSync(join(pkg, "package.json"), "{}");
  writeFileSync(join(pkg, "bin", "claude.exe"), "", { mode: 0o755 });
  return { root, pkg, cli: join(pkg, "bin", "claude.exe") };
}

describe("hostLayout", () => {
  it("shows the CLI's package folder, /usr and the CA certificates, and nothing of /home, /root, /var or the data folder", () => {
    const { root, pkg, cli } = fakeInstall();
    const layout = hostLayout({ cliPath: cli, privateDirs: [join(root, "data"), root], env: {} });
    expect(layout.roBinds).toContain(pkg);
    expect(layout.roBinds).toContain("/usr");
    expect(layout.roBinds).toContain("/etc/ssl");
    expect(layout.roBinds.filter((p) => /^\/(home|root|var|srv|run)(\/|$)/.test(p) || p === "/etc" || p === "/" || p === root)).toEqual([]);
  });

  it("shows only the CLI file when its folder holds the data folder or the working directory (.env)", () => {
    const root = mkdtempSync(join(tmpdir(), "cg-layout-"));
    const cli = join(root, "claude-wrapper.sh");
    writeFileSync(cli, "#!/bin/sh\n", { mode: 0o755 });
    const layout = hostLayout({ cliPath: cli, privateDirs: [join(root, "data")], env: {} });
    expect(layout.roBinds).toContain(cli);
    expect(layout.roBinds).not.toContain(root);
  });

  it("recreates merged-/usr symlinks instead of binding them, and shows the operator's CA file", () => {
    const { cli, root } = fakeInstall();
    const ca = join(root, "corp-ca.pem");
    writeFileSync(ca, "pem");
    const layout = hostLayout({ cliPath: cli, privateDirs: [], env: { NODE_EXTRA_CA_CERTS: ca } });
    expect(layout.roBinds).toContain(ca);
    for (const { link } of layout.symlinks) expect(layout.roBinds).not.toContain(link);
  });
});

describe("uid leases (user mode: one uid per live run)", () => {
  it("hands out each slot once until it is released, and none when all are taken", () => {
    const leases = new SharedArrayBuffer(4 * 2);
    expect([leaseSlot(leases), leaseSlot(leases), leaseSlot(leases)]).toEqual([0, 1, undefined]);
    releaseSlot(leases, 0);
    expect(leaseSlot(leases)).toBe(0);
  });
});
