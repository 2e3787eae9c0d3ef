import type { FieldError } from './customer-input';
import { CsvRecordSplitter, isBlankBytes, type CsvRecord } from './csv-records';
import { LineSplitter, type SplitLine } from './line-splitter';
import { decodeUtf8, unstorableText } from './storable-text';

export type ImportFormat = 'ndjson' | 'csv';

/** One row of the file: its value to validate, or why it cannot be read. */
export interface SourceRecord {
  line: number;
  value?: unknown;
  error?: FieldError;
}

/** Turns the body, a chunk at a time, into rows; synchronous, so the caller decides when to yield. */
export interface RecordReader {
  push(chunk: Buffer): SourceRecord[];
  end(): SourceRecord[];
}

export function recordReader(format: ImportFormat, maxLineBytes: number): RecordReader {
  return format === 'csv' ? new CsvReader(maxLineBytes) : new NdjsonReader(maxLineBytes);
}

const hasBom = (b: Buffer) => b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
// Only a JSON escape can put NUL or a lone surrogate into a parsed line: valid UTF-8 carries neither.
const mayHideBadText = (text: string) => text.includes('\\u');

class NdjsonReader implements RecordReader {
  private readonly lines: LineSplitter;

  constructor(private readonly maxBytes: number) {
    this.lines = new LineSplitter(maxBytes);
  }

  push(chunk: Buffer): SourceRecord[] {
    return this.read(this.lines.push(chunk));
  }

  end(): SourceRecord[] {
    return this.read(this.lines.end());
  }

  private read(lines: SplitLine[]): SourceRecord[] {
    const out: SourceRecord[] = [];
    for (const l of lines) {
      const { line } = l;
      if ('tooLong' in l) {
        const message = `line ${line} is longer than ${this.maxBytes} bytes`;
        out.push({ line, error: { field: 'row', message } });
        continue;
      }
      const bytes = line === 1 && hasBom(l.bytes) ? l.bytes.subarray(3) : l.bytes;
      if (bytes[0] !== 0x7b /* { */ && isBlankBytes(bytes)) continue;
      const { text, valid } = decodeUtf8(bytes);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        const message = valid ? 'line is not valid JSON' : 'line is not valid UTF-8 text';
        out.push({ line, error: { field: 'row', message } });
        continue;
      }
      const bad =
        !valid || mayHideBadText(text)
          ? (unstorableText(value, !valid) ??
            (valid ? undefined : { field: 'row', message: 'line is not valid UTF-8 text' }))
          : undefined;
      out.push(bad ? { line, error: bad } : { line, value });
    }
    return out;
  }
}

class CsvReader implements RecordReader {
  private readonly lines: LineSplitter;
  private readonly records: CsvRecordSplitter;
  private header?: string[];
  /** The header could not be read: no row can be. */
  private stopped = false;

  constructor(maxBytes: number) {
    this.lines = new LineSplitter(maxBytes);
    this.records = new CsvRecordSplitter(maxBytes);
  }

  push(chunk: Buffer): SourceRecord[] {
    return this.read(this.records.take(this.lines.push(chunk)));
  }

  end(): SourceRecord[] {
    return this.read([...this.records.take(this.lines.end()), ...this.records.end()]);
  }

  private read(records: CsvRecord[]): SourceRecord[] {
    const out: SourceRecord[] = [];
    for (const rec of records) {
      if (this.stopped) break;
      const { line } = rec;
      if (rec.error !== undefined || !rec.fields) {
        out.push({ line, error: { field: 'row', message: `CSV: ${rec.error}` } });
        if (!this.header) this.stopped = true;
        continue;
      }
      if (!this.header) {
        const bad = rec.badUtf8
          ? 'is not valid UTF-8 text'
          : unstorableText(rec.fields) && 'contains NUL or a lone surrogate';
        if (bad) {
          out.push({ line, error: { field: 'row', message: `CSV: the header ${bad}` } });
          this.stopped = true;
        } else this.header = rec.fields;
        continue;
      }
      const fields = rec.fields;
      const header = this.header;
      if (fields.length !== header.length) {
        const message = `CSV: the row has ${fields.length} columns, the header ${header.length}`;
        out.push({ line, error: { field: 'row', message } });
        continue;
      }
      const value = csvToCustomer(Object.fromEntries(header.map((h, i) => [h, fields[i]])));
      const suspicious =
        rec.badUtf8 || fields.some((f) => f.includes('\u0000') || mayHideBadText(f));
      const bad = suspicious
        ? (unstorableText(value, rec.badUtf8) ??
          (rec.badUtf8 ? { field: 'row', message: 'row is not valid UTF-8 text' } : undefined))
        : undefined;
      out.push(bad ? { line, error: bad } : { line, value });
    }
    return out;
  }
}

/** CSV columns: the API's field names, `accountManager.name`, `accountManager.phone`, `attributes.<key>`. */
export function csvToCustomer(record: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  let manager: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (value === '' || value === undefined) continue;
    if (key.startsWith('attributes.')) attributes[key.slice('attributes.'.length)] = value;
    else if (key === 'attributes') {
      try {
        Object.assign(attributes, JSON.parse(value));
      } catch {
        out.attributes = value; // left as text so validation names the field
      }
    } else if (key.startsWith('accountManager.')) {
      manager ??= {};
      manager[key.slice('accountManager.'.length)] = value;
    } else out[key] = value;
  }
  if (Object.keys(attributes).length && out.attributes === undefined) out.attributes = attributes;
  if (manager) out.accountManager = manager;
  return out;
}
