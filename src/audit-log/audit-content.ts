import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';

/** Canonical JSON (keys sorted) so the same message always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** sha256 hex of the canonical JSON of a rendered message. */
export const contentHash = (content: unknown): string =>
  createHash('sha256').update(canonicalJson(content)).digest('hex');

const STORE_CONTENT = `
  INSERT INTO audit_content (delivery_id, customer_id, content, content_hash, stored_at)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (delivery_id) DO UPDATE
    SET content = EXCLUDED.content, content_hash = EXCLUDED.content_hash,
        stored_at = EXCLUDED.stored_at, purged_at = NULL`;

const FORGET_CUSTOMER_CONTENT = `
  UPDATE audit_content SET content = NULL, purged_at = $2
   WHERE customer_id = $1 AND content IS NOT NULL`;

/**
 * Writes rendered message content beside the chained audit (audit_content, see
 * `audit/audit-content.service.ts` for reading and the retention purge). On the ground floor so
 * erasure and the sender write it without importing the audit's read side.
 */
@Injectable()
export class AuditContentWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Keeps the rendered content of a delivery; returns its hash (for the audit row). */
  async store(
    delivery: { id: string; customerId: string },
    content: unknown,
    manager?: EntityManager,
  ): Promise<string> {
    const hash = contentHash(content);
    await (manager ?? this.dataSource.manager).query(STORE_CONTENT, [
      delivery.id,
      delivery.customerId,
      JSON.stringify(content),
      hash,
      this.clock.now(),
    ]);
    return hash;
  }

  /** For erasure: drops a customer's kept content in the erasure's transaction. */
  async forgetCustomer(customerId: string, manager?: EntityManager): Promise<number> {
    const [, n]: [unknown, number] = await (manager ?? this.dataSource.manager).query(
      FORGET_CUSTOMER_CONTENT,
      [customerId, this.clock.now()],
    );
    return n;
  }
}
