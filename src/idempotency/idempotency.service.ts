import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { conflict } from '../common/domain-error';

/** How long an answer is kept for replay. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** A request still unanswered after this long died with its instance: a retry may take over. */
const ABANDONED_AFTER_MS = 60_000;
/** How long a duplicate waits for the first request of its key to finish. */
const WAIT_FOR_FIRST_MS = 10_000;
const POLL_MS = 50;

export type IdempotencyClaim =
  { kind: 'first' } | { kind: 'replay'; status: number; response: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The answers to `Idempotency-Key` requests, per API key. The first request of a key claims it
 * (one INSERT, so concurrent duplicates cannot both win), runs, and stores its answer; a repeat
 * with the same fingerprint waits for that answer and gets it back; a repeat with another
 * fingerprint is refused. A failed request releases its key, since it recorded nothing.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async claim(apiKeyId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      if (await this.claimKey(apiKeyId, key, fingerprint)) return { kind: 'first' };
      const [row]: { fingerprint: string; status: number | null; response: string | null }[] =
        await this.dataSource.query(
          `SELECT fingerprint, status, response FROM idempotency_keys
            WHERE api_key_id = $1 AND key = $2`,
          [apiKeyId, key],
        );
      if (row) {
        if (row.fingerprint !== fingerprint) {
          throw conflict([
            'Idempotency-Key was already used for a different request; use a new key for a new request',
          ]);
        }
        if (row.status !== null && row.response !== null)
          return { kind: 'replay', status: row.status, response: row.response };
        if (Date.now() > deadline) {
          throw conflict([
            'Idempotency-Key: the first request with this key is still running; retry later',
          ]);
        }
        await sleep(POLL_MS);
      }
      // No row: the first request failed and released the key; try to claim it again.
    }
  }

  /** Claims a new key, an expired one or one whose request was abandoned. */
  private async claimKey(apiKeyId: string, key: string, fingerprint: string): Promise<boolean> {
    const now = this.clock.now();
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (api_key_id, key, fingerprint, created_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (api_key_id, key) DO UPDATE
          SET fingerprint = EXCLUDED.fingerprint, status = NULL, response = NULL,
              created_at = EXCLUDED.created_at
        WHERE idempotency_keys.created_at < $5
           OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at < $6)
       RETURNING 1`,
      [
        apiKeyId,
        key,
        fingerprint,
        now,
        new Date(now.getTime() - IDEMPOTENCY_TTL_MS),
        new Date(now.getTime() - ABANDONED_AFTER_MS),
      ],
    );
    return rows.length > 0;
  }

  async complete(apiKeyId: string, key: string, status: number, response: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET status = $3, response = $4 WHERE api_key_id = $1 AND key = $2`,
      [apiKeyId, key, status, response],
    );
  }

  async release(apiKeyId: string, key: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE api_key_id = $1 AND key = $2 AND status IS NULL`,
      [apiKeyId, key],
    );
  }

  /** Housekeeping: forgets answers older than 24 hours. Returns how many. */
  async purge(): Promise<number> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `WITH purged AS (DELETE FROM idempotency_keys WHERE created_at < $1 RETURNING 1)
       SELECT count(*)::int AS n FROM purged`,
      [new Date(this.clock.now().getTime() - IDEMPOTENCY_TTL_MS)],
    );
    return n;
  }
}
