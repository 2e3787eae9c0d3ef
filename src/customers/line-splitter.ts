/** One physical line of the input, or the note that it was longer than the limit (and dropped). */
export type SplitLine = { line: number; bytes: Buffer } | { line: number; tooLong: true };

/**
 * Cuts a byte stream into lines in linear time: each arriving chunk is scanned once for line
 * ends, and an unfinished line is kept as the list of chunks it came in (joined once, when it
 * ends), never as a growing string split again with every chunk. A line longer than `maxBytes` is
 * reported the moment it crosses the limit and its bytes are dropped until its end, so one huge
 * line costs neither memory nor time. Lines are cut at byte 0x0A, which UTF-8 never uses inside a
 * character, so the bytes are decoded per line (and bad UTF-8 stays the problem of that line).
 */
export class LineSplitter {
  /** Bytes examined so far, for the spec that holds the cost to linear. */
  scanned = 0;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private skipping = false;
  private line = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): SplitLine[] {
    const out: SplitLine[] = [];
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      this.scanned += (nl < 0 ? chunk.length : nl + 1) - from;
      if (nl < 0) break;
      this.append(chunk.subarray(from, nl), out);
      this.finish(out);
      from = nl + 1;
    }
    if (from < chunk.length) this.append(chunk.subarray(from), out);
    return out;
  }

  /** The last line, if the input did not end with a line end. */
  end(): SplitLine[] {
    const out: SplitLine[] = [];
    if (this.partBytes > 0) this.finish(out);
    this.skipping = false;
    return out;
  }

  private append(piece: Buffer, out: SplitLine[]): void {
    if (this.skipping || piece.length === 0) return;
    if (this.partBytes + piece.length > this.maxBytes) {
      out.push({ line: this.line + 1, tooLong: true });
      this.skipping = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(piece);
    this.partBytes += piece.length;
  }

  private finish(out: SplitLine[]): void {
    this.line++;
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    const bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    this.partBytes = 0;
    out.push({ line: this.line, bytes });
  }
}
