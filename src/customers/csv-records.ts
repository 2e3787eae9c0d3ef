import { LineSplitter, type SplitLine } from './line-splitter';
import { decodeUtf8 } from './storable-text';

export interface CsvRecord {
  /** The file line the record starts on (1-based). */
  line: number;
  /** The fields, or why the record could not be read. */
  fields?: string[];
  error?: string;
  /** The record's bytes were not UTF-8; the bad bytes read as U+FFFD. */
  badUtf8?: boolean;
}

/** The default limit of one record (a quoted field may span lines): 1 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/**
 * Streams CSV (RFC 4180, header row included) as records. A record ends at the first line end
 * outside quotes, found by counting quotes, before its fields are read; so a record with broken
 * quoting is reported on its own and never swallows the records after it (a streaming parser
 * that stays "inside quotes" after an error would).
 */
export async function* csvRecords(
  input: AsyncIterable<Buffer>,
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
): AsyncGenerator<CsvRecord> {
  const lines = new LineSplitter(maxRecordBytes);
  const records = new CsvRecordSplitter(maxRecordBytes);
  for await (const chunk of input) yield* records.take(lines.push(chunk));
  yield* records.take(lines.end());
  yield* records.end();
}

/**
 * Joins physical lines into CSV records, in time linear in the input: each line's quotes are
 * counted once and its bytes kept until the record ends. A record longer than the limit (a quote
 * never closed, most likely) is refused when it crosses the limit, and reading starts afresh at
 * the next line: otherwise an unclosed quote would swallow the rest of the file.
 */
export class CsvRecordSplitter {
  private parts: Buffer[] = [];
  private bytes = 0;
  private quotes = 0;
  private start = 0;

  constructor(private readonly maxBytes: number) {}

  take(lines: SplitLine[]): CsvRecord[] {
    const out: CsvRecord[] = [];
    for (const l of lines) {
      if ('tooLong' in l) {
        out.push(
          this.parts.length
            ? this.cut(l.line)
            : { line: l.line, error: `line ${l.line} is longer than ${this.maxBytes} bytes` },
        );
        continue;
      }
      let bytes = l.bytes;
      if (l.line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
      }
      if (!this.parts.length) {
        if (isBlankBytes(bytes)) continue;
        this.start = l.line;
      } else if (this.bytes + 1 + bytes.length > this.maxBytes) {
        out.push(this.cut(l.line));
        continue;
      }
      this.parts.push(bytes);
      this.bytes += bytes.length + (this.parts.length > 1 ? 1 : 0);
      for (let i = bytes.indexOf(0x22); i >= 0; i = bytes.indexOf(0x22, i + 1)) this.quotes++;
      if (this.quotes % 2 === 0) out.push(this.finish());
    }
    return out;
  }

  /** A quote opened and never closed: the rest of the file was one broken record. */
  end(): CsvRecord[] {
    return this.parts.length ? [this.finish()] : [];
  }

  private cut(line: number): CsvRecord {
    const record = {
      line: this.start,
      error: `the record starting on line ${this.start} is longer than ${this.maxBytes} bytes (a quote never closed?); lines ${this.start}-${line} were skipped`,
    };
    this.reset();
    return record;
  }

  private finish(): CsvRecord {
    const bytes = this.parts.length === 1 ? this.parts[0] : joinLines(this.parts, this.bytes);
    const start = this.start;
    this.reset();
    const { text, valid } = decodeUtf8(bytes);
    const fields = splitCsvRecord(text.endsWith('\r') ? text.slice(0, -1) : text);
    const record: CsvRecord =
      typeof fields === 'string' ? { line: start, error: fields } : { line: start, fields };
    if (!valid) record.badUtf8 = true;
    return record;
  }

  private reset(): void {
    this.parts = [];
    this.bytes = 0;
    this.quotes = 0;
  }
}

function joinLines(parts: Buffer[], total: number): Buffer {
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out[at++] = 0x0a;
    at += parts[i].copy(out, at);
  }
  return out;
}

/** Only spaces, tabs and a carriage return: a blank line between records. */
export function isBlankBytes(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/** The fields of one record, trimmed; or a message saying what is wrong with it. */
export function splitCsvRecord(record: string): string[] | string {
  const fields: string[] = [];
  const n = record.length;
  let i = 0;
  for (;;) {
    while (isBlank(record[i])) i++;
    if (record[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) return 'a quoted field is never closed';
        value += record.slice(i, q);
        i = q + 1;
        if (record[i] !== '"') break;
        value += '"'; // "" inside quotes is one quote
        i++;
      }
      while (isBlank(record[i])) i++;
      if (i < n && record[i] !== ',') {
        return `column ${fields.length + 1}: unexpected ${JSON.stringify(record[i])} after a closing quote`;
      }
      fields.push(value);
    } else {
      const comma = record.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = record.slice(i, end).trim();
      if (value.includes('"')) {
        return `column ${fields.length + 1}: a quote inside an unquoted field (quote the field and double the quote)`;
      }
      fields.push(value);
      i = end;
    }
    if (i >= n) return fields;
    i++; // the comma
  }
}
