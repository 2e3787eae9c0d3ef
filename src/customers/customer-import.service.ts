import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { CustomerColumns } from './customer-columns';
import { SeenIds } from './seen-ids';
import { FieldError, parseCustomerInput } from './customer-input';
import { CustomersRepository } from './customers.repository';
import { csvRecordBatches } from './csv-records';

export type ImportFormat = 'ndjson' | 'csv';

export interface ImportRowError {
  line: number;
  field: string;
  message: string;
}

export interface ImportReport {
  format: ImportFormat;
  rows: number;
  inserted: number;
  updated: number;
  failed: number;
  errors: ImportRowError[];
  /** More rows failed than the report lists. */
  errorsTruncated: boolean;
}

export interface ImportProgress {
  rows: number;
  bytes: number;
}

const BATCH = 2000;
const WRITES_IN_FLIGHT = 2;
const MAX_REPORTED_ERRORS = 1000;

interface SourceRecord {
  line: number;
  value?: unknown;
  error?: FieldError;
}

/**
 * Streams a file of customers into the database. Rows are validated one by one with the same
 * rules as the API; good rows are upserted in batches of 2,000, each batch in its own statement,
 * so memory stays flat whatever the file size and a bad row never blocks the good ones.
 */
@Injectable()
export class CustomerImportService {
  private readonly logger = new Logger(CustomerImportService.name);

  constructor(
    private readonly repo: CustomersRepository,
    private readonly audit: AuditService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async import(
    input: Readable,
    format: ImportFormat,
    actor: string,
    onProgress?: (p: ImportProgress) => void,
  ): Promise<ImportReport> {
    const report: ImportReport = {
      format,
      rows: 0,
      inserted: 0,
      updated: 0,
      failed: 0,
      errors: [],
      errorsTruncated: false,
    };
    const fail = (line: number, e: FieldError) => {
      report.failed++;
      if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, ...e });
      else report.errorsTruncated = true;
    };
    let bytes = 0;
    // Reading through for-await keeps backpressure: the file is read only as fast as rows are written.
    const counted = Readable.from(
      (async function* () {
        for await (const chunk of input) {
          bytes += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      })(),
      { objectMode: false },
    );
    // Only the ids are kept, not the rows, and off the JS heap: a million ids is ~30 MB.
    const seen = new SeenIds();
    let batch = new CustomerColumns();
    // Batches are written while the next ones are parsed, a bounded number at a time; they never
    // share an externalId (duplicates are refused above), so concurrent upserts cannot collide.
    const inFlight = new Set<Promise<void>>();
    const flush = async () => {
      if (!batch.length) return;
      while (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
      const write: Promise<void> = this.repo.upsertBatchCounts(batch).then((counts) => {
        report.inserted += counts.inserted;
        report.updated += counts.updated;
        inFlight.delete(write);
        onProgress?.({ rows: report.rows, bytes });
      });
      // Awaited later (race/all below); until then a failure must not count as unhandled.
      write.catch(() => undefined);
      inFlight.add(write);
      batch = new CustomerColumns();
    };

    // Records come a chunk at a time: one await per chunk of the body, not one per row.
    const chunks = format === 'csv' ? this.csvRecords(counted) : this.ndjsonRecords(counted);
    const region = this.settings.defaultPhoneRegion;
    for await (const records of chunks) {
      for (const rec of records) {
        report.rows++;
        if (rec.error) {
          fail(rec.line, rec.error);
          continue;
        }
        const parsed = parseCustomerInput(rec.value, region);
        if (!parsed.ok) {
          fail(rec.line, parsed.errors[0]);
          continue;
        }
        const firstLine = seen.firstLine(parsed.row.externalId, rec.line);
        if (firstLine !== undefined) {
          fail(rec.line, {
            field: 'externalId',
            message: `externalId duplicates line ${firstLine} of this file`,
          });
          continue;
        }
        batch.push(parsed.row);
        if (batch.length >= BATCH) await flush();
      }
    }
    await flush();
    await Promise.all(inFlight);
    await this.audit.record({
      type: 'admin.customers_imported',
      actor,
      data: {
        format,
        rows: report.rows,
        inserted: report.inserted,
        updated: report.updated,
        failed: report.failed,
      },
    });
    this.logger.log({ format, rows: report.rows, failed: report.failed }, 'import finished');
    return report;
  }

  private async *ndjsonRecords(input: Readable): AsyncGenerator<SourceRecord[]> {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let line = 0;
    const parseLine = (text: string): SourceRecord => {
      try {
        return { line, value: JSON.parse(text) };
      } catch {
        return { line, error: { field: 'row', message: 'line is not valid JSON' } };
      }
    };
    for await (const chunk of input) {
      const parts = (rest + decoder.write(chunk as Buffer)).split('\n');
      rest = parts.pop() ?? '';
      const out: SourceRecord[] = [];
      for (const text of parts) {
        line++;
        if (!isBlank(text)) out.push(parseLine(text));
      }
      if (out.length) yield out;
    }
    rest += decoder.end();
    line++;
    if (!isBlank(rest)) yield [parseLine(rest)];
  }

  private async *csvRecords(input: Readable): AsyncGenerator<SourceRecord[]> {
    let header: string[] | undefined;
    for await (const recs of csvRecordBatches(input)) {
      const out: SourceRecord[] = [];
      for (const rec of recs) {
        if (rec.error !== undefined || !rec.fields) {
          out.push({ line: rec.line, error: { field: 'row', message: `CSV: ${rec.error}` } });
          if (!header) {
            yield out;
            return; // without a readable header no row can be read
          }
          continue;
        }
        if (!header) {
          header = rec.fields;
          continue;
        }
        if (rec.fields.length !== header.length) {
          const message = `CSV: the row has ${rec.fields.length} columns, the header ${header.length}`;
          out.push({ line: rec.line, error: { field: 'row', message } });
          continue;
        }
        const fields = rec.fields;
        const columns = header;
        out.push({
          line: rec.line,
          value: csvToCustomer(Object.fromEntries(columns.map((h, i) => [h, fields[i]]))),
        });
      }
      if (out.length) yield out;
    }
  }
}

// Same test as `!text.trim()` without building the trimmed copy of every line.
const isBlank = (text: string) => text.charCodeAt(0) !== 0x7b /* { */ && !/\S/.test(text);

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
