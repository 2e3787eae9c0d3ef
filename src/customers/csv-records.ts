import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface CsvRecord {
  /** The file line the record starts on (1-based). */
  line: number;
  /** The fields, or why the record could not be read. */
  fields?: string[];
  error?: string;
}

/**
 * Streams CSV (RFC 4180, header row included) as records. A record ends at the first line end
 * outside quotes, found by counting quotes, before its fields are read; so a record with broken
 * quoting is reported on its own and never swallows the records after it (a streaming parser
 * that stays "inside quotes" after an error would).
 */
export async function* csvRecords(input: Readable): AsyncGenerator<CsvRecord> {
  for await (const records of csvRecordBatches(input)) yield* records;
}

/** The same records, a chunk of the input at a time (an await per chunk, not per record). */
export async function* csvRecordBatches(input: Readable): AsyncGenerator<CsvRecord[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  let start = 0;
  let text: string[] = [];
  let quotes = 0;
  const take = (physical: string): CsvRecord | undefined => {
    line++;
    if (line === 1 && physical.charCodeAt(0) === 0xfeff) physical = physical.slice(1);
    if (!text.length) {
      if (!physical.trim()) return undefined;
      start = line;
    }
    text.push(physical);
    for (let i = physical.indexOf('"'); i >= 0; i = physical.indexOf('"', i + 1)) quotes++;
    if (quotes % 2 === 1) return undefined;
    return finish();
  };
  const finish = (): CsvRecord => {
    const record = text.join('\n');
    text = [];
    quotes = 0;
    const fields = splitCsvRecord(record.endsWith('\r') ? record.slice(0, -1) : record);
    return typeof fields === 'string' ? { line: start, error: fields } : { line: start, fields };
  };
  for await (const chunk of input) {
    const parts = (rest + decoder.write(chunk as Buffer)).split('\n');
    rest = parts.pop() ?? '';
    const out: CsvRecord[] = [];
    for (const physical of parts) {
      const record = take(physical);
      if (record) out.push(record);
    }
    if (out.length) yield out;
  }
  rest += decoder.end();
  const out: CsvRecord[] = [];
  if (rest) {
    const record = take(rest);
    if (record) out.push(record);
  }
  // A quote opened and never closed: the rest of the file was one broken record.
  if (text.length) out.push(finish());
  if (out.length) yield out;
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
