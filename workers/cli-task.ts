// The Piscina worker file: a job's cold run (this default export), a warm CLI process (warmCliTask,
// workers/warm-task.ts) and the CLI's version (cliVersion). workers/ is the only place a process starts
// (uid-lease.ts's kill sweep is the only other child of a worker). A run's CLI output is parsed off the main thread
// and what matters is posted over the task's MessagePort (workers/supervise.ts); the main thread persists and fans
// out. The CLI runs in its own process group (detached), which is what we signal, so tool shells and other
// grandchildren go with it; `setpriv --pdeathsig` makes the kernel kill the CLI if this server dies without a chance
// to do it (SIGKILL). Every run ends with an outcome posted before `end`: a run that cannot even start (no temporary
// directory, spawn throwing) fails as `spawn_failed`. The run starts inside the sandbox chosen at start-up
// (runtime/sandbox/): its folder (runtime/cli/run-folder.ts: config/, workspace/, tmp/) is then its only writable
// place and its HOME (workers/run-setup.ts).
import { spawn } from "node:child_process";
import { runCold, type RunTask } from "./run-setup";

export type CliTask = RunTask;
export { warmCliTask } from "./warm-task";

/** A job's cold run: its CLI started now, with the prompt on stdin (workers/run-setup.ts). */
export default function runCliTask(task: CliTask): Promise<void> {
  return runCold(task);
}

/** Second task of this worker (Piscina `name: "cliVersion"`): the CLI's `--version`, for /api/v1/stats. */
export function cliVersion({ command }: { command: string }): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = "";
    const child = spawn(command, ["--version"], {
      stdio: ["ignore", "pipe", "ignore"],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      timeout: 10_000,
    });
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.on("error", () => resolve(undefined));
    child.on("close", (code) => resolve(code === 0 ? out.trim().split(/\s+/)[0] : undefined));
  });
}
