// Piscina task (`name: "warmCliTask"`): one warm CLI process. It prepares a run exactly as a cold one (folder,
// credentials lent, sandbox wrap) from a template spec whose argv adds `--input-format stream-json`, spawns the
// CLI and leaves it waiting on stdin (it does its start-up and then blocks). Until a job takes it, any output or
// exit means it is stale: its group is killed and main is told (runtime/queue/warm-pool.ts retires and replaces
// it). `take` brings the job's own spec: the prompt is written as a stream-json user message, stdin closed, and
// from there on it is supervised exactly as a cold run (the stall watchdog starts now). A take that finds the
// process dead runs the job cold, so no job notices. `retire` (or shutdown) ends it.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { streamJsonPrompt, type MainMessage, type WarmMessage, type WorkerMessage } from "../runtime/queue/run-protocol";
import { collectRun, prepareRun, releaseRun, runCold, type Prepared, type RunTask } from "./run-setup";
import { spawnCli, supervise } from "./supervise";

export async function warmCliTask(task: RunTask): Promise<void> {
  const { port, uidLeases } = task;
  const post = (m: WorkerMessage | WarmMessage) => port.postMessage(m);
  let prepared: Prepared | undefined;
  let child: ChildProcessWithoutNullStreams | undefined;
  let stale = false;
  const killGroup = () => {
    try {
      if (child?.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  };
  const goStale = (why: string) => {
    if (stale) return;
    stale = true;
    killGroup();
    post({ t: "warm_stale", why });
  };
  // Listening from the start: `take` or `retire` may come while the run is still being prepared.
  const next = new Promise<MainMessage>((resolve) => port.once("message", resolve));
  try {
    const p = await prepareRun(task);
    if ("root" in p) {
      prepared = p;
      child = spawnCli(p.cmd, p.env, p.cwd);
      child.on("error", () => goStale("the CLI could not be started"));
      child.on("exit", () => goStale("the CLI exited while waiting"));
      child.stdout.on("data", () => goStale("the CLI printed before its prompt"));
      child.stderr.resume(); // a waiting CLI's stderr is not ours to judge; never let the pipe fill
      child.stdin.on("error", () => {});
      if (child.pid !== undefined) post({ t: "warm_ready", pid: child.pid });
    } else {
      goStale(p.error ?? "the run could not be prepared");
    }
  } catch (err) {
    goStale(`could not start a warm CLI: ${String((err as Error)?.message ?? err)}`);
  }

  const m = await next;
  if (m.t !== "take" || stale || !child || !prepared) {
    killGroup();
    if (prepared) await releaseRun(prepared, uidLeases).catch(() => {});
    if (m.t === "take") return runCold({ ...task, spec: m.spec }); // the process died meanwhile: the job runs cold
    return port.close();
  }

  const spec = m.spec;
  let lingeredMs: number | undefined;
  try {
    child.removeAllListeners("exit").removeAllListeners("error");
    child.stdout.removeAllListeners("data");
    child.stderr.removeAllListeners("data").pause();
    const supervised = await supervise(spec, child, streamJsonPrompt(spec.stdin), port, post);
    lingeredMs = supervised.lingeredMs;
    await collectRun(spec, prepared, supervised, post);
  } catch (err) {
    post({ t: "outcome", finish: { status: "failed", result: "", error: `could not run the CLI: ${String((err as Error)?.message ?? err)}`, errorCode: "spawn_failed" } });
  } finally {
    await releaseRun(prepared, uidLeases).catch(() => {});
    post({ t: "end", lingeredMs });
    port.close();
  }
}
