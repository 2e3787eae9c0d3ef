import type { DataSource } from 'typeorm';

/** Deliveries by channel and status (a scan of deliveries; the scrape caches it briefly). */
const DELIVERIES_BY_STATUS = `
  SELECT channel, status, count(*)::float8 AS n FROM deliveries GROUP BY channel, status`;

/** Planned and due, and the oldest due one's wait (ix_deliveries_due, a partial index). */
const DUE_BACKLOG = `
  SELECT count(*)::float8 AS n,
         coalesce(extract(epoch FROM $1::timestamptz - min(not_before)), 0)::float8 AS age
    FROM deliveries WHERE status = 'planned' AND not_before <= $1`;

/** Consent changes by action over the ledger. */
const CONSENT_CHANGES = `
  SELECT action, count(*)::float8 AS n FROM consent_events GROUP BY action`;

/** Audit rows above the last seal's last id (the primary key's range). */
const UNSEALED_AUDIT_ROWS = `
  SELECT count(*)::float8 AS n FROM audit_events
   WHERE id > coalesce((SELECT max(last_id) FROM audit_seals), 0)`;

/** Outbound webhook messages by status. */
const WEBHOOK_OUTBOX = `SELECT status, count(*)::float8 AS n FROM webhook_outbox GROUP BY status`;

export interface ScrapeCounts {
  deliveries: { channel: string; status: string; n: number }[];
  backlog: { n: number; age: number };
  consent: { action: string; n: number }[];
  unsealed: number;
  outbox: { status: string; n: number }[];
}

/** Every database count of one scrape, in one read-only transaction with a time limit. */
export function readScrapeCounts(ds: DataSource, now: Date): Promise<ScrapeCounts> {
  return ds.transaction('REPEATABLE READ', async (m) => {
    await m.query(`SET TRANSACTION READ ONLY`);
    await m.query(`SET LOCAL statement_timeout = 5000`);
    const [deliveries, [backlog], consent, [unsealed], outbox] = await Promise.all([
      m.query(DELIVERIES_BY_STATUS),
      m.query(DUE_BACKLOG, [now]),
      m.query(CONSENT_CHANGES),
      m.query(UNSEALED_AUDIT_ROWS),
      m.query(WEBHOOK_OUTBOX),
    ]);
    return { deliveries, backlog, consent, unsealed: unsealed.n, outbox };
  });
}
