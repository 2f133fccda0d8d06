// Splits a byte stream into lines of any length. Bytes are kept until a newline arrives, so a multi-byte
// UTF-8 character split across reads is decoded whole; `pending` lets the caller bound a line that never ends.

export class LineSplitter {
  private parts: Buffer[] = [];
  pending = 0;

  /** Feeds a chunk and returns the complete lines it finished (without their newline). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.parts.push(chunk.subarray(start, nl));
      lines.push(Buffer.concat(this.parts).toString("utf8"));
      this.parts = [];
      this.pending = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.parts.push(chunk.subarray(start));
      this.pending += chunk.length - start;
    }
    return lines;
  }

  /** What is left after the stream ended without a final newline. */
  end(): string | undefined {
    if (this.pending === 0) return undefined;
    const rest = Buffer.concat(this.parts).toString("utf8");
    this.parts = [];
    this.pending = 0;
    return rest;
  }
}
