import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { CustomerColumns } from './customer-columns';
import { FieldError, parseCustomerInput } from './customer-input';
import { CustomerImportsRepository, type ImportStatus } from './customer-imports.repository';
import { ImportBatchWriter, sqlState, type RefusedRow } from './import-batch-writer';
import { recordReader, type ImportFormat } from './import-records';
import { SeenIds } from './seen-ids';

export type { ImportFormat } from './import-records';
export { csvToCustomer } from './import-records';

export interface ImportRowError {
  line: number;
  field: string;
  message: string;
}

export interface ImportReport {
  /** The import record: GET /v1/customers/imports/:id. */
  importId: string;
  status: Exclude<ImportStatus, 'running'>;
  format: ImportFormat;
  rows: number;
  inserted: number;
  updated: number;
  failed: number;
  errors: ImportRowError[];
  /** More rows failed than the report lists. */
  errorsTruncated: boolean;
  /** Every line up to this one is settled (written or refused); after a failure, the rest was not written. */
  lastCommittedLine: number;
  /** Why the import stopped early (failed or interrupted); no row content. */
  failure?: string;
}

export interface ImportProgress {
  rows: number;
  bytes: number;
}

const BATCH = 2000;
const WRITES_IN_FLIGHT = 2;
const MAX_REPORTED_ERRORS = 1000;
/** Parsing runs at most this long before other requests get the event loop. */
const SLICE_MS = 10;

/** The body could not be read to its end (the client went away). */
class InputError extends Error {}

/** The record was closed as interrupted (no heartbeat for too long) while this import still ran. */
class RecordClosedError extends Error {}

interface Batch {
  columns: CustomerColumns;
  lines: number[];
  /** Rows read and refused (before the database) when the batch was cut; refused since the last cut. */
  rowsRead: number;
  refused: number;
  lastLine: number;
}

/**
 * Streams a file of customers into the database. Rows are validated one by one with the same
 * rules as the API; good rows are upserted in batches of 2,000, each batch in its own transaction
 * that also advances the import record, so memory stays flat whatever the file size, a bad row
 * never blocks the good ones, and a crash leaves a record of exactly what was written.
 */
@Injectable()
export class CustomerImportService {
  private readonly logger = new Logger(CustomerImportService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: ImportBatchWriter,
    private readonly records: CustomerImportsRepository,
    private readonly audit: AuditWriter,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async import(
    input: AsyncIterable<Buffer>,
    format: ImportFormat,
    actor: string,
    onProgress?: (p: ImportProgress) => void,
  ): Promise<ImportReport> {
    const importId = await this.dataSource.transaction(async (m) => {
      const id = await this.records.start(m, actor, format);
      await this.audit.record({ type: 'import.started', actor, data: { importId: id, format } }, m);
      return id;
    });
    const report: ImportReport = {
      importId,
      status: 'completed',
      format,
      rows: 0,
      inserted: 0,
      updated: 0,
      failed: 0,
      errors: [],
      errorsTruncated: false,
      lastCommittedLine: 0,
    };
    // The record's heartbeat: while it moves, a running import is alive.
    const beat = setInterval(
      () => void this.records.beat(importId).catch(() => undefined),
      (this.settings.import.staleSeconds * 1000) / 4,
    );
    beat.unref();
    const iterator = input[Symbol.asyncIterator]();
    try {
      const last = await this.readAndWrite(importId, iterator, format, report, onProgress);
      await this.dataSource.transaction(async (m) => {
        if (!(await this.records.finish(m, importId, 'completed', null, last))) {
          throw new RecordClosedError();
        }
        await this.audit.record({ type: 'import.completed', actor, data: counts(report) }, m);
      });
    } catch (err) {
      report.status =
        err instanceof InputError || err instanceof RecordClosedError ? 'interrupted' : 'failed';
      report.failure =
        err instanceof InputError
          ? `the upload ended before the end of the file; lines after ${report.lastCommittedLine} were not written`
          : err instanceof RecordClosedError
            ? `the import was closed as interrupted after ${this.settings.import.staleSeconds} s without a heartbeat; lines after ${report.lastCommittedLine} were not written`
            : sqlState(err)
              ? `the database refused a batch (SQLSTATE ${sqlState(err)}); lines after ${report.lastCommittedLine} were not written`
              : `the import stopped on an internal error; lines after ${report.lastCommittedLine} were not written`;
      this.logger.warn(
        { importId, status: report.status, code: sqlState(err), error: (err as Error).name },
        'import stopped',
      );
      await this.dataSource
        .transaction(async (m) => {
          const closed = await this.records.finish(
            m,
            importId,
            report.status,
            report.failure ?? null,
          );
          // A record the sweeper closed has its audit row already.
          if (!closed) return;
          await this.audit.record(
            { type: 'import.failed', actor, data: { ...counts(report), failure: report.failure } },
            m,
          );
        })
        // Left running, the record reads as interrupted once its heartbeat is stale.
        .catch((e: unknown) =>
          this.logger.error({ importId, code: sqlState(e) }, 'import record not closed'),
        );
      // The client reads its report once its upload is taken: the rest is read and dropped, not
      // left unread on a socket that would otherwise hang until the client gives up.
      if (!(err instanceof InputError)) await drain(iterator);
    } finally {
      clearInterval(beat);
    }
    report.errors.sort((a, b) => a.line - b.line);
    this.logger.log(
      { importId, format, status: report.status, rows: report.rows, failed: report.failed },
      'import finished',
    );
    return report;
  }

  /** Reads the whole body, writing batches as they fill; returns the counts after the last batch. */
  private async readAndWrite(
    importId: string,
    iterator: AsyncIterator<Buffer>,
    format: ImportFormat,
    report: ImportReport,
    onProgress?: (p: ImportProgress) => void,
  ): Promise<{ rowsRead: number; refused: number; lastLine: number }> {
    const fail = (line: number, e: FieldError) => {
      report.failed++;
      if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, ...e });
      else report.errorsTruncated = true;
    };
    let bytes = 0;
    let refusedSinceCut = 0;
    let lastLine = 0;
    // Only the ids are kept, not the rows, and off the JS heap: a million ids is ~30 MB.
    const seen = new SeenIds();
    let batch = new CustomerColumns();
    let lines: number[] = [];
    // Batches are written while the next ones are parsed, a bounded number at a time; they never
    // share an externalId (duplicates are refused above), so concurrent upserts cannot collide.
    // Each commits only after the one before it, so the record always describes a prefix of the file.
    const inFlight = new Set<Promise<unknown>>();
    let previous: Promise<unknown> = Promise.resolve();
    const flush = async () => {
      if (!batch.length) return;
      while (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
      const cut: Batch = {
        columns: batch,
        lines,
        rowsRead: report.rows,
        refused: refusedSinceCut,
        lastLine,
      };
      refusedSinceCut = 0;
      batch = new CustomerColumns();
      lines = [];
      const write = this.writeBatch(importId, cut, previous).then((outcome) => {
        report.inserted += outcome.inserted;
        report.updated += outcome.updated;
        for (const r of outcome.refused) fail(r.line, r);
        report.lastCommittedLine = cut.lastLine;
        inFlight.delete(write);
        onProgress?.({ rows: report.rows, bytes });
      });
      // Awaited later (race/all below); until then a failure must not count as unhandled.
      write.catch(() => undefined);
      inFlight.add(write);
      previous = write;
      await yieldToEventLoop();
    };

    const reader = recordReader(format, this.settings.import.maxLineBytes);
    const region = this.settings.defaultPhoneRegion;
    let sliceStarted = performance.now();
    try {
      for (let done = false; !done;) {
        let chunk: Buffer | undefined;
        try {
          const next = await iterator.next();
          done = next.done === true;
          chunk = next.done ? undefined : next.value;
        } catch (err) {
          throw new InputError((err as Error).message);
        }
        if (chunk) bytes += chunk.length;
        for (const rec of chunk ? reader.push(chunk) : reader.end()) {
          report.rows++;
          lastLine = rec.line;
          let error = rec.error;
          try {
            error ??= this.check(rec.value, rec.line, region, seen, batch);
          } catch (err) {
            // A row no rule foresaw (nested thousands deep, say) must not stop the import.
            this.logger.warn(
              { importId, line: rec.line, error: (err as Error).name },
              'row unreadable',
            );
            error = {
              field: 'row',
              message:
                err instanceof RangeError ? 'row is nested too deeply' : 'row could not be read',
            };
          }
          if (error) {
            fail(rec.line, error);
            refusedSinceCut++;
            continue;
          }
          lines.push(rec.line);
          if (batch.length >= BATCH) await flush();
        }
        // One request must not keep the service from answering others.
        if (performance.now() - sliceStarted > SLICE_MS) {
          await yieldToEventLoop();
          sliceStarted = performance.now();
        }
      }
      await flush();
      await Promise.all(inFlight);
    } catch (err) {
      // Whatever was handed to the database settles (and is counted) before the record is closed.
      await Promise.allSettled(inFlight);
      throw err;
    }
    return { rowsRead: report.rows, refused: refusedSinceCut, lastLine };
  }

  /** Validates a row and adds it to the batch; or says why it cannot be imported. */
  private check(
    value: unknown,
    line: number,
    region: string,
    seen: SeenIds,
    batch: CustomerColumns,
  ): FieldError | undefined {
    const parsed = parseCustomerInput(value, region);
    if (!parsed.ok) return parsed.errors[0];
    const firstLine = seen.firstLine(parsed.row.externalId, line);
    if (firstLine !== undefined) {
      return {
        field: 'externalId',
        message: `externalId duplicates line ${firstLine} of this file`,
      };
    }
    batch.push(parsed.row);
    return undefined;
  }

  /** One batch in one transaction with the record's advance, committed after the batch before it. */
  private writeBatch(
    importId: string,
    cut: Batch,
    previous: Promise<unknown>,
  ): Promise<{ inserted: number; updated: number; refused: RefusedRow[] }> {
    return this.dataSource.transaction(async (m) => {
      const outcome = await this.writer.write(m, cut.columns, cut.lines);
      await previous;
      const open = await this.records.advance(m, importId, {
        rowsRead: cut.rowsRead,
        inserted: outcome.inserted,
        updated: outcome.updated,
        refused: cut.refused + outcome.refused.length,
        lastLine: cut.lastLine,
      });
      // Swept as interrupted while this process was stalled: the record stays the truth.
      if (!open) throw new RecordClosedError();
      return outcome;
    });
  }
}

async function drain(iterator: AsyncIterator<Buffer>): Promise<void> {
  try {
    while (!(await iterator.next()).done);
  } catch {
    // The client went away: nothing left to read.
  }
}

const counts = (r: ImportReport) => ({
  importId: r.importId,
  format: r.format,
  rows: r.rows,
  inserted: r.inserted,
  updated: r.updated,
  failed: r.failed,
  lastCommittedLine: r.lastCommittedLine,
});
