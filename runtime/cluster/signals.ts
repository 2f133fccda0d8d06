// What an instance tells the others, inside the transaction that made the change (NOTIFY is delivered at
// COMMIT, so a listener that hears of a row can read it).
import type { Sql } from "../store/sql/sql";
import type { JobEvent } from "../events/job-event";
import type { ClusterSignals } from "../job/commands";
import { CHANNELS, MAX_PAYLOAD_BYTES, type Channel } from "./channels";

export const notify = async (sql: Sql, channel: Channel, payload = ""): Promise<void> => {
  await sql.value(`SELECT pg_notify(?, ?)`, [channel, payload]);
};

/** `<job id> <first seq> <last seq>` per job of a batch, in as few notifications as fit the payload limit. */
export async function announceEvents(tx: Sql, events: readonly JobEvent[]): Promise<void> {
  const range = new Map<string, [number, number]>();
  for (const ev of events) {
    const r = range.get(ev.jobId);
    range.set(ev.jobId, r ? [Math.min(r[0], ev.seq), Math.max(r[1], ev.seq)] : [ev.seq, ev.seq]);
  }
  const lines = [...range].map(([jobId, [first, last]]) => `${jobId} ${first} ${last}`);
  for (const payload of linesWithin(lines, MAX_PAYLOAD_BYTES)) await notify(tx, CHANNELS.events, payload);
}

/** The signals of job commands; `hasFreeSlot` says whether this instance will claim a new job itself. */
export function jobSignals(hasFreeSlot: () => boolean): ClusterSignals {
  return {
    jobEnded: (tx, jobId) => notify(tx, CHANNELS.ended, jobId),
    // A busy instance asks the others to claim; one with a free slot claims the job itself (no notification:
    // NOTIFY serialises committing transactions, which a submit-heavy load would feel).
    jobQueued: async (tx) => {
      if (!hasFreeSlot()) await notify(tx, CHANNELS.queued);
    },
  };
}

/** Lines grouped into payloads of at most `max` bytes each. */
export function linesWithin(lines: readonly string[], max: number): string[] {
  const out: string[] = [];
  let payload = "";
  for (const line of lines) {
    if (payload && payload.length + line.length + 1 > max) {
      out.push(payload);
      payload = "";
    }
    payload = payload ? `${payload}\n${line}` : line;
  }
  if (payload) out.push(payload);
  return out;
}
