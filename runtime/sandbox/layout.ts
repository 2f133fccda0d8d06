// What a bwrap sandbox shows of the host, decided once at start-up from what exists here. Measured with strace
// on the CLI 2.1.197: besides its own install it reads the system libraries under /usr, the CA certificates,
// name-service files (resolv.conf, hosts, nsswitch.conf, passwd), the time zone and /etc/claude-code (an
// operator's managed settings, which must keep applying inside). Nothing else of /etc, no /home, /root, /var,
// /opt or /srv: a data folder or `.env` anywhere there stays out of sight.
import { existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { SandboxLayout } from "./modes";

const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
const ETC_PATHS = [
  "/etc/ssl", "/etc/ca-certificates", "/etc/pki", "/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf",
  "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/localtime", "/etc/ld.so.cache", "/etc/ld.so.conf",
  "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/os-release", "/etc/claude-code", "/etc/gitconfig",
];
/** Files the operator points the CLI's TLS stack at (they pass the CLI's environment allow-list). */
const CA_VARS = ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"];

export interface LayoutInputs {
  cliPath: string;
  /** Folders that must never be shown, even when the CLI is installed above them: the data folder, the working directory (`.env`). */
  privateDirs: string[];
  env: NodeJS.ProcessEnv;
}

export function hostLayout(inputs: LayoutInputs): SandboxLayout {
  const layout: SandboxLayout = { roBinds: [], symlinks: [] };
  for (const dir of SYSTEM_DIRS) {
    const stat = lstatOrUndefined(dir);
    if (stat?.isSymbolicLink()) layout.symlinks.push({ target: readlinkSync(dir), link: dir });
    else if (stat?.isDirectory()) layout.roBinds.push(dir);
  }
  const extra = [...ETC_PATHS, ...CA_VARS.map((v) => inputs.env[v]).filter((p): p is string => !!p)];
  const install = cliInstall(inputs.cliPath, inputs.privateDirs.map((d) => resolve(d)));
  for (const path of [...extra, ...(install ? [install] : [])]) {
    if (existsSync(path) && !layout.roBinds.some((b) => within(path, b))) layout.roBinds.push(path);
  }
  return layout;
}

/**
 * What to show of the CLI's own install: its package folder (`.../claude-code` for `.../claude-code/bin/claude.exe`),
 * else its folder, else (when that folder holds a private one, e.g. a wrapper script next to the data) the file alone.
 */
function cliInstall(cliPath: string, privateDirs: string[]): string | undefined {
  let real: string;
  try {
    real = realpathSync(cliPath);
  } catch {
    return undefined; // not found: health says so, and every run fails as cli_missing
  }
  let dir = dirname(real);
  if (basename(dir) === "bin" && existsSync(join(dirname(dir), "package.json"))) dir = dirname(dir);
  return privateDirs.some((p) => within(p, dir)) ? real : dir;
}

/** `path` is `dir` or lies under it. */
export function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : dir + "/");
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
