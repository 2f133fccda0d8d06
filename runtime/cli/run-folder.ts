// One run's folder, prepared before its CLI starts and collected after the CLI is gone, in every sandbox mode.
// Everything of a run lives under its root (one folder to bind into bwrap, to chown to user mode's uid, to
// `rm -r`): the system prompt files and the MCP config beside the folders of run-dirs.ts, config/
// (CLAUDE_CONFIG_DIR, with the lent credentials and the session's transcript put back), workspace/ (the CLI's cwd,
// with the session's files) and tmp/ (its TMPDIR outside bwrap).
import { chown, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { RunSpec, WorkerMessage } from "../queue/run-protocol";
import type { RunSandbox } from "../sandbox/modes";
import { log } from "../log";
import { capture, materialize } from "../workspace/run-workspace";
import {
  APPEND_SYSTEM_PROMPT_FILE,
  MCP_CONFIG_FILE,
  SYSTEM_PROMPT_FILE,
  withAppendSystemPromptFile,
  withMcpConfigFile,
  withSystemPromptFile,
} from "./argv";
import { lendCredentials, returnCredentials } from "./run-credentials";
import { isCliSessionId, runDirs, transcriptPath, type RunDirs } from "./run-dirs";

export interface PreparedRun {
  dirs: RunDirs;
  argv: string[];
  /** The expiry of the credentials lent to the run (to know whether it renewed them). */
  lent: number | undefined;
}

/**
 * Writes the run's folder under `root` (a new private temporary directory) and completes argv for it; the
 * environment that points the CLI at it is runtime/sandbox/wrap.ts's sandboxEnv.
 */
export async function prepareRunFolder(spec: RunSpec, root: string, sandbox: RunSandbox): Promise<PreparedRun> {
  const dirs = runDirs(root);
  await mkdir(dirs.config, { mode: 0o700 });
  await mkdir(dirs.workspace, { mode: 0o700 });
  // The CLI's own temporary files (2.1.332 leaves $TMPDIR/claude-<uid>/fswatch-probe-* after every run, and a
  // killed one its cc-socks/<pid>.sock) go with the run; bwrap gives it a private /tmp instead.
  if (sandbox.mode !== "bwrap") await mkdir(dirs.tmp, { mode: 0o700 });
  const lent = await lendCredentials(spec.operatorConfigDir, dirs.config);
  await materialize(dirs.workspace, spec.workspace.files);
  if (spec.resume) {
    const file = transcriptPath(dirs, spec.resume.cliSessionId);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, spec.resume.transcript, { mode: 0o600 });
  }
  let argv = spec.argv;
  const privateFile = async (name: string, text: string) => {
    const file = join(root, name);
    await writeFile(file, text, { mode: 0o600 });
    return file;
  };
  if (spec.systemPrompt) argv = withSystemPromptFile(argv, await privateFile(SYSTEM_PROMPT_FILE, spec.systemPrompt));
  if (spec.appendSystemPrompt) argv = withAppendSystemPromptFile(argv, await privateFile(APPEND_SYSTEM_PROMPT_FILE, spec.appendSystemPrompt));
  if (spec.mcpConfig) argv = withMcpConfigFile(argv, await privateFile(MCP_CONFIG_FILE, spec.mcpConfig));
  // The run's uid must own all of it: the CLI reads its prompt files and credentials, and writes its
  // configuration, transcripts, workspace and temporary files there.
  if (sandbox.mode === "user") await chownTree(root, sandbox.uid);
  return { dirs, argv, lent };
}

async function chownTree(path: string, uid: number): Promise<void> {
  await chown(path, uid, uid);
  for (const e of await readdir(path, { withFileTypes: true })) {
    if (e.isDirectory()) await chownTree(join(path, e.name), uid);
    else await chown(join(path, e.name), uid, uid);
  }
}

/**
 * After the CLI is gone (what it wrote is whole): gives back renewed credentials, and when the turn reached its
 * result (`cliSessionId`, from the result line: a fork's is new), posts the workspace's files, then the transcript.
 */
export async function collectRunFolder(
  spec: RunSpec,
  run: PreparedRun,
  cliSessionId: string | undefined,
  post: (m: WorkerMessage) => void,
): Promise<void> {
  // A token the CLI renewed must reach the next run (refresh tokens rotate): never lost with the folder.
  await returnCredentials(spec.operatorConfigDir, run.dirs.config, run.lent).catch((err: unknown) =>
    log("error", "could not write renewed CLI credentials back", { job_id: spec.jobId, error: String((err as Error)?.message ?? err) }),
  );
  if (cliSessionId === undefined) return; // a turn killed before its result leaves the session as it was
  const { files, skipped } = await capture(run.dirs.workspace, spec.workspace.limits);
  for (const s of skipped) log("warn", "workspace file not kept", { job_id: spec.jobId, path: s.path, why: s.why });
  post({ t: "workspace", files });
  if (!isCliSessionId(cliSessionId)) return;
  let data: Buffer;
  try {
    data = await readFile(transcriptPath(run.dirs, cliSessionId));
  } catch {
    return; // no transcript written (the CLI failed before its first message): the session keeps its last one
  }
  post({ t: "transcript", cliSessionId, data });
}
