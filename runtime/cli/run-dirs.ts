// The folders of one run, all inside the run's private temporary directory (so one bind, one chown or one
// `rm -r` covers them): the system prompt file, the CLI's configuration folder (CLAUDE_CONFIG_DIR: its
// .claude.json, credentials and session transcripts, never shared with another run), the workspace (the CLI's
// working directory) and the CLI's TMPDIR outside bwrap (beside the workspace, never in it, so the CLI's temporary
// files are never taken for session files).
import { join } from "node:path";

export const RUN_CONFIG_DIR = "config";
export const RUN_WORKSPACE_DIR = "workspace";
export const RUN_TMP_DIR = "tmp";

export interface RunDirs {
  root: string;
  config: string;
  workspace: string;
  tmp: string;
}

export const runDirs = (root: string): RunDirs => ({
  root,
  config: join(root, RUN_CONFIG_DIR),
  workspace: join(root, RUN_WORKSPACE_DIR),
  tmp: join(root, RUN_TMP_DIR),
});

/**
 * Where the CLI keeps the transcript of session `cliSessionId` run in `cwd`: <config>/projects/<cwd with every
 * character other than a letter or digit turned into "-">/<id>.jsonl (measured with 2.1.197: /tmp/ry/w.s_x ->
 * -tmp-ry-w-s-x). `--resume` looks for it there, so a stored transcript is put back at this path.
 */
export function transcriptPath(dirs: RunDirs, cliSessionId: string): string {
  return join(dirs.config, "projects", dirs.workspace.replace(/[^a-zA-Z0-9]/g, "-"), `${cliSessionId}.jsonl`);
}

/** A CLI session id as the CLI writes it (a UUID): anything else is never used in a path. */
export const isCliSessionId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
