import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import type { AuditEventType } from './audit-event-types';

export interface AuditEntry {
  type: AuditEventType;
  customerId?: string | null;
  campaignId?: string | null;
  deliveryId?: string | null;
  channel?: string | null;
  reason?: string | null;
  policyVersion?: number | null;
  /** `key:<api key id>`, `customer`, `system`, `sms:<message sid>`, … — never personal data. */
  actor?: string | null;
  data?: Record<string, unknown>;
  /** Defaults to the injected Clock's now: one clock for every audit row. */
  at?: Date;
}

/** The columns of `audit_events` a writer fills, in the order `insertAuditRows` expects. */
export const AUDIT_COLUMNS = [
  'at',
  'type',
  'customer_id',
  'campaign_id',
  'delivery_id',
  'channel',
  'reason',
  'policy_version',
  'actor',
  'data',
] as const;
export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

/**
 * For set-based writers (planner, sender, cancellations), which write their audit rows in the
 * same statement as their change: `INSERT INTO audit_events (<columns>) <select>`. The select
 * yields the named columns in the given order; `at` should be a parameter holding the caller's
 * Clock time, never SQL now().
 */
export function insertAuditRows(columns: readonly AuditColumn[], select: string): string {
  return `INSERT INTO audit_events (${columns.join(', ')})\n${select}`;
}

/** A vocabulary type as a SQL literal, for a set-based writer's select list. */
export function auditTypeLiteral(type: AuditEventType): string {
  return `'${type}'`;
}

/** The one way every module writes single audit rows to the append-only audit table. */
@Injectable()
export class AuditWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Records inside the caller's transaction when given one, so the audit commits with the change. */
  async record(entry: AuditEntry | AuditEntry[], manager?: EntityManager): Promise<void> {
    const entries = Array.isArray(entry) ? entry : [entry];
    if (entries.length === 0) return;
    const now = this.clock.now();
    const params: unknown[] = [];
    const rows = entries.map((e, i) => {
      params.push(
        e.at ?? now,
        e.type,
        e.customerId ?? null,
        e.campaignId ?? null,
        e.deliveryId ?? null,
        e.channel ?? null,
        e.reason ?? null,
        e.policyVersion ?? null,
        e.actor ?? null,
        JSON.stringify(e.data ?? {}),
      );
      const b = i * AUDIT_COLUMNS.length;
      return `(${AUDIT_COLUMNS.map((_, j) => `$${b + j + 1}`).join(', ')})`;
    });
    await (manager ?? this.dataSource.manager).query(
      insertAuditRows(AUDIT_COLUMNS, `VALUES ${rows.join(', ')}`),
      params,
    );
  }
}
