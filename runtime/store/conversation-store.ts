// The compatible APIs' conversations, kept on their jobs (migration 16): which conversation a job answered, and
// which session a conversation may continue in. Matching is runtime/compat/continuation.ts's; this is the SQL.
import type { Sql } from "./sql/sql";

export class ConversationStore {
  constructor(private readonly sql: Sql) {}

  in(tx: Sql): ConversationStore {
    return new ConversationStore(tx);
  }

  /** Records that job `jobId` answers the conversation `fingerprint` (run in the job's insert transaction). */
  async mark(jobId: string, fingerprint: string): Promise<void> {
    await this.sql.run(`UPDATE jobs SET conversation = ? WHERE id = ?`, [fingerprint, jobId]);
  }

  /**
   * The session whose latest turn (`jobId`) answered `fingerprint` with `answer`, if it still exists. The job
   * must have completed with exactly this answer and be its session's latest turn: a session that went on since
   * (another branch of the same conversation) holds turns the client did not send.
   */
  continuable(fingerprint: string, answer: string): Promise<{ sessionId: string; jobId: string } | undefined> {
    return this.sql.get(
      `SELECT j.session_id AS "sessionId", j.id AS "jobId" FROM jobs j JOIN sessions s ON s.id = j.session_id
       WHERE j.conversation = @fingerprint AND j.status = 'completed' AND j.result = @answer
         AND NOT EXISTS (SELECT 1 FROM jobs later WHERE later.session_id = j.session_id AND later.seq > j.seq)
       ORDER BY j.seq DESC LIMIT 1`,
      { fingerprint, answer },
    );
  }
}
