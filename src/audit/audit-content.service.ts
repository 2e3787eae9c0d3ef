import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';

const PURGE_BATCH = 1000;

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

/**
 * Rendered message content, kept for settings.auditContentRetentionDays and then reduced to its
 * hash. It lives in audit_content, outside the hash-chained, append-only audit_events: purging
 * personal data is the point, and the chained delivery audit row (and deliveries.content_hash)
 * keeps the hash, so the purge never breaks the chain. The sender calls store() in the
 * transaction that records the delivery as sent.
 */
@Injectable()
export class AuditContentService {
  private readonly log = new Logger(AuditContentService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** Keeps the rendered content of a delivery; returns its hash (for the audit row). */
  async store(
    delivery: { id: string; customerId: string },
    content: unknown,
    manager?: EntityManager,
  ): Promise<string> {
    const hash = contentHash(content);
    await (manager ?? this.dataSource.manager).query(
      `INSERT INTO audit_content (delivery_id, customer_id, content, content_hash, stored_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (delivery_id) DO UPDATE
         SET content = EXCLUDED.content, content_hash = EXCLUDED.content_hash,
             stored_at = EXCLUDED.stored_at, purged_at = NULL`,
      [delivery.id, delivery.customerId, JSON.stringify(content), hash, this.clock.now()],
    );
    return hash;
  }

  /** The content if still kept, and its hash either way. */
  async get(deliveryId: string): Promise<{
    content: unknown;
    contentHash: string;
    storedAt: Date;
    purgedAt: Date | null;
  } | null> {
    const [r] = await this.dataSource.query(
      `SELECT content, content_hash, stored_at, purged_at FROM audit_content WHERE delivery_id = $1`,
      [deliveryId],
    );
    return r
      ? {
          content: r.content,
          contentHash: r.content_hash,
          storedAt: r.stored_at,
          purgedAt: r.purged_at,
        }
      : null;
  }

  /**
   * Drops content older than the retention period, and at once the content of erased customers.
   * Batches keep each transaction short. Returns how many were purged.
   */
  async purge(): Promise<number> {
    const cutoff = new Date(
      this.clock.now().getTime() - this.settings.auditContentRetentionDays * 86_400_000,
    );
    let total = 0;
    for (;;) {
      const [, n]: [unknown, number] = await this.dataSource.query(
        `UPDATE audit_content SET content = NULL, purged_at = $2
          WHERE delivery_id IN (
            SELECT ac.delivery_id FROM audit_content ac
              LEFT JOIN customers c ON c.id = ac.customer_id
             WHERE ac.content IS NOT NULL AND (ac.stored_at < $1 OR c.erased_at IS NOT NULL)
             LIMIT ${PURGE_BATCH})`,
        [cutoff, this.clock.now()],
      );
      total += n;
      if (n < PURGE_BATCH) break;
    }
    if (total > 0) this.log.log(`audit content: ${total} purged to their hash`);
    return total;
  }

  /** For erasure: drops a customer's kept content in the erasure's transaction. */
  async forgetCustomer(customerId: string, manager?: EntityManager): Promise<number> {
    const [, n]: [unknown, number] = await (manager ?? this.dataSource.manager).query(
      `UPDATE audit_content SET content = NULL, purged_at = $2
        WHERE customer_id = $1 AND content IS NOT NULL`,
      [customerId, this.clock.now()],
    );
    return n;
  }
}
