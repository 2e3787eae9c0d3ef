import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CustomerColumns } from './customer-columns';
import type { FieldError } from './customer-input';
import { CustomersRepository, type BatchCounts } from './customers.repository';

export interface RefusedRow extends FieldError {
  line: number;
}

/** SQLSTATE of a database error, wherever the driver put it. */
export const sqlState = (err: unknown): string | undefined => {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
};

// Errors about the data of some row (22 data exception, 23 integrity, 54 program limit such as an
// index entry too large): the other rows of the batch can still be written.
const isAboutARow = (err: unknown) => /^(22|23|54)/.test(sqlState(err) ?? '');

/**
 * Upserts one batch inside the caller's transaction. If the database refuses the batch because of
 * some row's data (a case the row checks did not catch), the batch is written again one row at a
 * time, each under its own savepoint, so the good rows still land and each refused row is
 * reported by line. Any other error (the connection, a timeout) fails the batch.
 */
@Injectable()
export class ImportBatchWriter {
  constructor(private readonly repo: CustomersRepository) {}

  async write(
    m: EntityManager,
    columns: CustomerColumns,
    lines: number[],
  ): Promise<BatchCounts & { refused: RefusedRow[] }> {
    await m.query('SAVEPOINT import_batch');
    try {
      const counts = await this.repo.upsertBatchCounts(columns, m);
      await m.query('RELEASE SAVEPOINT import_batch');
      return { ...counts, refused: [] };
    } catch (err) {
      if (!isAboutARow(err)) throw err;
      await m.query('ROLLBACK TO SAVEPOINT import_batch');
    }
    const total = { inserted: 0, updated: 0, refused: [] as RefusedRow[] };
    for (let i = 0; i < columns.length; i++) {
      await m.query('SAVEPOINT import_row');
      try {
        const counts = await this.repo.upsertBatchCounts(columns.at(i), m);
        await m.query('RELEASE SAVEPOINT import_row');
        total.inserted += counts.inserted;
        total.updated += counts.updated;
      } catch (err) {
        if (!isAboutARow(err)) throw err;
        await m.query('ROLLBACK TO SAVEPOINT import_row');
        // The code, not the message: PostgreSQL's messages may quote the refused value.
        total.refused.push({
          line: lines[i],
          field: 'row',
          message: `the database refused the row (SQLSTATE ${sqlState(err)})`,
        });
      }
    }
    return total;
  }
}
