import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CustomerColumns } from './customer-columns';
import type { CustomerRow } from './customer-input';

export interface UpsertOutcome {
  id: string;
  externalId: string;
  inserted: boolean;
}

export interface BatchCounts {
  inserted: number;
  updated: number;
}

/**
 * One statement upserts a whole batch: each column travels as one array parameter and `unnest`
 * turns them back into rows, so a batch of 1,000 rows still costs 11 parameters.
 * POST and import carry the full state of the CRM record: what is absent is cleared (PATCH is
 * the partial update). Lifecycle facts are never touched here; they come from events.
 */
const INSERT_ROWS = `
  INSERT INTO customers AS c (external_id, kind, name, email, phone, timezone, locale, company,
                              account_manager_name, account_manager_phone, attributes,
                              account_manager_email)
  SELECT t.external_id, t.kind, t.name, t.email, t.phone, COALESCE(t.timezone, 'UTC'),
         COALESCE(t.locale, 'en'), t.company, t.am_name, t.am_phone,
         COALESCE(t.attributes::jsonb, '{}'::jsonb), t.am_email
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
              $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
       AS t(external_id, kind, name, email, phone, timezone, locale, company, am_name, am_phone,
            attributes, am_email)`;

const INSERT = `${INSERT_ROWS}
  ON CONFLICT (external_id) DO UPDATE SET
    kind = EXCLUDED.kind, name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
    timezone = EXCLUDED.timezone, locale = EXCLUDED.locale, company = EXCLUDED.company,
    account_manager_name = EXCLUDED.account_manager_name,
    account_manager_phone = EXCLUDED.account_manager_phone,
    account_manager_email = EXCLUDED.account_manager_email,
    attributes = EXCLUDED.attributes, updated_at = now()`;

const UPSERT = `${INSERT}
  RETURNING id, external_id, (xmax = 0) AS inserted`;

// Creates only: a customer that exists (or is being inserted by a concurrent request that then
// commits) is left alone and no row comes back.
const INSERT_IF_NEW = `${INSERT_ROWS}
  ON CONFLICT (external_id) DO NOTHING
  RETURNING id`;

// The import only needs counts: counting in SQL spares sending back and parsing a row per customer,
// and returning nothing but the flag keeps the CTE's stored rows small (~15% of the statement).
const UPSERT_COUNTS = `
  WITH up AS (${INSERT} RETURNING (xmax = 0) AS inserted)
  SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated
  FROM up`;

@Injectable()
export class CustomersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async upsertBatch(rows: CustomerRow[], manager?: EntityManager): Promise<UpsertOutcome[]> {
    if (rows.length === 0) return [];
    const result: { id: string; external_id: string; inserted: boolean }[] = await (
      manager ?? this.dataSource.manager
    ).query(UPSERT, toParams(rows));
    return result.map((r) => ({ id: r.id, externalId: r.external_id, inserted: r.inserted }));
  }

  /** Inserts one customer unless its externalId exists; the new id, or null. */
  async insertIfNew(row: CustomerRow, manager: EntityManager): Promise<string | null> {
    const rows: { id: string }[] = await manager.query(INSERT_IF_NEW, toParams([row]));
    return rows[0]?.id ?? null;
  }

  async upsertBatchCounts(
    rows: CustomerRow[] | CustomerColumns,
    manager?: EntityManager,
  ): Promise<BatchCounts> {
    const columns = Array.isArray(rows) ? CustomerColumns.of(rows) : rows;
    if (columns.length === 0) return { inserted: 0, updated: 0 };
    const [counts]: BatchCounts[] = await (manager ?? this.dataSource.manager).query(
      UPSERT_COUNTS,
      columns.params(),
    );
    return counts;
  }
}

function toParams(rows: CustomerRow[]): unknown[] {
  return CustomerColumns.of(rows).params();
}
