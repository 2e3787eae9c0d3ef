import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';

const PURGE_BATCH = 1000;

// TEMPORARY: delivery/sender.service.ts (not in this change) still imports the hash from here;
// once it imports ../audit-log/audit-content, this re-export goes.

/**
 * Rendered message content, kept for settings.auditContentRetentionDays and then reduced to its
 * hash. It lives in audit_content, outside the hash-chained, append-only audit_events: purging
 * personal data is the point, and the chained delivery audit row (and deliveries.content_hash)
 * keeps the hash, so the purge never breaks the chain. Writing it is the ground floor's
 * (`audit-log/audit-content.ts`); this reads it and purges it.
 */
@Injectable()
export class AuditContentService {
  private readonly log = new Logger(AuditContentService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

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
}
