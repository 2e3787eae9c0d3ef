import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'erasure' | 'do_not_contact';
export type AddressType = 'email' | 'phone';

/** Addresses are kept only as hashes, so a suppression outlives the erasure of the customer. */
export function addressHash(type: AddressType, value: string): string {
  const normalized = type === 'email' ? value.trim().toLowerCase() : value.replace(/[^\d+]/g, '');
  return createHash('sha256').update(`${type}:${normalized}`).digest('hex');
}

export interface ActiveSuppression {
  addressType: AddressType;
  reason: SuppressionReason;
  createdAt: Date;
}

@Injectable()
export class SuppressionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async add(
    entry: {
      type: AddressType;
      value: string;
      reason: SuppressionReason;
      customerId?: string | null;
    },
    actor: string,
    manager: EntityManager,
  ): Promise<void> {
    const hash = addressHash(entry.type, entry.value);
    const existing = await manager.query(
      `SELECT 1 FROM suppressions WHERE address_hash = $1 AND reason = $2 AND lifted_at IS NULL`,
      [hash, entry.reason],
    );
    if (existing.length) return;
    await manager.query(
      `INSERT INTO suppressions (address_type, address_hash, reason, customer_id) VALUES ($1, $2, $3, $4)`,
      [entry.type, hash, entry.reason, entry.customerId ?? null],
    );
    await this.audit.record(
      {
        type: 'suppression.added',
        customerId: entry.customerId ?? null,
        channel: entry.type === 'email' ? 'email' : 'sms',
        reason: entry.reason,
        actor,
        data: { addressType: entry.type, addressHash: hash },
      },
      manager,
    );
  }

  async find(address: {
    email?: string | null;
    phone?: string | null;
  }): Promise<ActiveSuppression[]> {
    const hashes: string[] = [];
    if (address.email) hashes.push(addressHash('email', address.email));
    if (address.phone) hashes.push(addressHash('phone', address.phone));
    if (!hashes.length) return [];
    const rows: { address_type: AddressType; reason: SuppressionReason; created_at: Date }[] =
      await this.dataSource.query(
        `SELECT address_type, reason, created_at FROM suppressions
         WHERE address_hash = ANY($1) AND lifted_at IS NULL ORDER BY created_at`,
        [hashes],
      );
    return rows.map((r) => ({
      addressType: r.address_type,
      reason: r.reason,
      createdAt: r.created_at,
    }));
  }
}
