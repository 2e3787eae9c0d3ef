import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface AuditEntry {
  type: string;
  customerId?: string | null;
  campaignId?: string | null;
  deliveryId?: string | null;
  channel?: string | null;
  reason?: string | null;
  policyVersion?: number | null;
  /** `key:<api key id>`, `customer`, `system`, `sms:<message sid>`, … — never personal data. */
  actor?: string | null;
  data?: Record<string, unknown>;
  at?: Date;
}

const COLUMNS = 10;

/** The one way every module writes to the append-only audit table. */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /** Records inside the caller's transaction when given one, so the audit commits with the change. */
  async record(entry: AuditEntry | AuditEntry[], manager?: EntityManager): Promise<void> {
    const entries = Array.isArray(entry) ? entry : [entry];
    if (entries.length === 0) return;
    const params: unknown[] = [];
    const rows = entries.map((e, i) => {
      params.push(
        e.at ?? new Date(),
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
      const b = i * COLUMNS;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10})`;
    });
    await (manager ?? this.dataSource.manager).query(
      `INSERT INTO audit_events (at, type, customer_id, campaign_id, delivery_id, channel, reason, policy_version, actor, data)
       VALUES ${rows.join(', ')}`,
      params,
    );
  }
}
