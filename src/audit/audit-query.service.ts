import type { Writable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { ClientBase } from 'pg';
import { DataSource } from 'typeorm';
import { csvLine } from './csv';
import { AuditFilter, auditWhere, decodeCursor, encodeCursor } from './audit-filter';
import { AUDIT_COLUMNS } from '../audit-log/audit-writer';

export interface AuditItem {
  id: string;
  at: Date;
  type: string;
  customerId: string | null;
  campaignId: string | null;
  deliveryId: string | null;
  channel: string | null;
  reason: string | null;
  policyVersion: number | null;
  actor: string | null;
  data: Record<string, unknown>;
}

interface AuditRow {
  id: string;
  at: Date;
  type: string;
  customer_id: string | null;
  campaign_id: string | null;
  delivery_id: string | null;
  channel: string | null;
  reason: string | null;
  policy_version: number | null;
  actor: string | null;
  data: Record<string, unknown>;
}

export const AUDIT_SELECT = `id::text AS id, at, type, customer_id, campaign_id, delivery_id, channel,
  reason, policy_version, actor, data`;

export const toAuditItem = (r: AuditRow): AuditItem => ({
  id: r.id,
  at: r.at,
  type: r.type,
  customerId: r.customer_id,
  campaignId: r.campaign_id,
  deliveryId: r.delivery_id,
  channel: r.channel,
  reason: r.reason,
  policyVersion: r.policy_version,
  actor: r.actor,
  data: r.data,
});

/** The export's columns: the row id, then every column the writer fills, in its order. */
export const CSV_HEADER = ['id', ...AUDIT_COLUMNS];

// Every column in PostgreSQL's own text form (the export transaction runs with TimeZone UTC):
// rows arrive as arrays of strings, ready to write; only `at` is reshaped to ISO 8601 in Node
// (cheaper than to_char on the server).
const EXPORT_SELECT = CSV_HEADER.join(', ');
const AS_TEXT = { getTypeParser: () => (v: string) => v };

/** "2026-03-03 09:00:00.5+00" (timestamptz_out in UTC) → "2026-03-03T09:00:00.500Z", like Date#toJSON. */
export function isoFromPg(v: string): string {
  const end = v.length - 3; // "+00"
  const dot = v.indexOf('.', 19);
  const ms = dot === -1 ? '000' : v.slice(dot + 1, Math.min(dot + 4, end)).padEnd(3, '0');
  return `${v.slice(0, 10)}T${v.slice(11, 19)}.${ms}Z`;
}

/** Rows per keyset batch of an export: big enough to amortise a round trip, small in memory. */
export const EXPORT_BATCH = 5000;

@Injectable()
export class AuditQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    f: AuditFilter,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
    const params: unknown[] = [];
    const where = auditWhere(f, params, cursor ? decodeCursor(cursor) : undefined);
    params.push(limit + 1);
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT ${AUDIT_SELECT} FROM audit_events ${where}
        ORDER BY audit_events.id ${f.order === 'desc' ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map(toAuditItem),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /**
   * Streams every matching row to `out` in keyset batches (id order) from one REPEATABLE READ
   * snapshot, waiting for `drain` between batches, so memory stays flat however large the audit:
   * at most two batches are held (the one being written and the next, fetched meanwhile so the
   * database and Node work at the same time). Stops early when `out` is destroyed (client gone).
   * Returns the number of rows written.
   */
  async export(f: AuditFilter, format: 'csv' | 'ndjson', out: Writable): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    // The pg client itself: rows as arrays, no per-row objects or JSON parsing.
    const client = (await runner.connect()) as ClientBase;
    const fetch = (after: string | undefined) => {
      const params: unknown[] = [];
      const where = auditWhere(f, params, after);
      params.push(EXPORT_BATCH);
      return client.query<string[]>({
        text: `SELECT ${EXPORT_SELECT} FROM audit_events ${where}
                ORDER BY audit_events.id ${f.order === 'desc' ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
        values: params,
        rowMode: 'array',
        types: AS_TEXT,
      });
    };
    let rows = 0;
    let next: ReturnType<typeof fetch> | null = null;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET LOCAL TimeZone = 'UTC'`);
      if (format === 'csv' && !(await write(out, csvLine(CSV_HEADER)))) return 0;
      next = fetch(undefined);
      for (;;) {
        const res: Awaited<ReturnType<typeof fetch>> = await next;
        next = null;
        if (res.rows.length === 0) break;
        if (res.rows.length === EXPORT_BATCH) next = fetch(res.rows[res.rows.length - 1][0]);
        let chunk = '';
        for (const r of res.rows) r[1] = isoFromPg(r[1]);
        if (format === 'csv') for (const r of res.rows) chunk += csvLine(r);
        else for (const r of res.rows) chunk += ndjsonLine(r);
        rows += res.rows.length;
        if (!(await write(out, chunk)) || !next) break;
      }
      // A batch fetched for a client that has gone is awaited (and dropped) before COMMIT.
      if (next) await next;
      await client.query('COMMIT');
    } catch (err) {
      if (next) await next.catch(() => undefined);
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
    return rows;
  }
}

const q = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));

/** The API's item shape (AuditItem) from the text columns, without parsing `data`. */
export function ndjsonLine(r: (string | null)[]): string {
  return `{"id":"${r[0]}","at":"${r[1]}","type":${q(r[2])},"customerId":${q(r[3])},"campaignId":${q(
    r[4],
  )},"deliveryId":${q(r[5])},"channel":${q(r[6])},"reason":${q(r[7])},"policyVersion":${
    r[8] ?? 'null'
  },"actor":${q(r[9])},"data":${r[10]}}\n`;
}

/** Writes with backpressure; false when the destination has gone away. */
async function write(out: Writable, chunk: string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
  return !out.destroyed;
}
