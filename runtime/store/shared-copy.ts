// A copy in memory of rows every instance shares (tenant keys, the queue pause), read again when another
// instance says it changed them and every few seconds. Two reads can overlap (a notification during the periodic
// read) and end out of order, and a change made here can land while a read is under way: applying such a read
// would bring back what was just revoked or resumed. So only the newest read is applied, and a read that
// overlapped a change made here reads again once that change is written.
export class SharedCopy {
  private begun = 0;
  private applied = 0;
  /** Bumped when a change made here starts and when it ends: a read that saw it move overlapped one. */
  private changes = 0;
  private readonly writing = new Set<Promise<unknown>>();

  /** Runs a change made here (its write); reads that overlap it read again after it. */
  async change<T>(write: () => Promise<T>): Promise<T> {
    this.changes++;
    const written = write();
    this.writing.add(written);
    try {
      return await written;
    } finally {
      this.writing.delete(written);
      this.changes++;
    }
  }

  /** Reads the rows and applies them, unless a newer read has been applied meanwhile. */
  async read<T>(query: () => Promise<T>, apply: (rows: T) => void): Promise<void> {
    for (;;) {
      await Promise.allSettled([...this.writing]);
      const ticket = ++this.begun;
      const before = this.changes;
      const rows = await query();
      if (this.changes !== before) continue;
      if (ticket < this.applied) return;
      this.applied = ticket;
      apply(rows);
      return;
    }
  }
}
