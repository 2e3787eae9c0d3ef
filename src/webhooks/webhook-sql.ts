import type { DataSource, EntityManager } from 'typeorm';

type Db = DataSource | EntityManager;

export interface EndpointRow {
  id: string;
  url: string;
  events: string[];
  created_at: Date;
  secret_sealed: string;
}

export interface OutboxRow {
  id: string;
  endpoint_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
  attempts: number;
  url: string;
  secret_sealed: string;
}

export interface AttemptRow {
  id: string;
  outbox_id: string;
  event_type: string;
  at: Date;
  status_code: number | null;
  answer: string;
  outbox_status: string;
}

const INSERT_ENDPOINT = `
  INSERT INTO webhook_endpoints (url, events, secret_sealed, created_at, created_by)
  VALUES ($1, $2, $3, $4, $5) RETURNING id, url, events, created_at, secret_sealed`;

const LIST_ENDPOINTS = `
  SELECT e.id, e.url, e.events, e.created_at, e.secret_sealed,
         (SELECT count(*)::int FROM webhook_outbox o
           WHERE o.endpoint_id = e.id AND o.status = 'pending') AS pending,
         (SELECT count(*)::int FROM webhook_outbox o
           WHERE o.endpoint_id = e.id AND o.status = 'failed') AS failed
    FROM webhook_endpoints e WHERE e.deleted_at IS NULL ORDER BY e.created_at, e.id`;

const DELETE_ENDPOINT = `
  UPDATE webhook_endpoints SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id`;

/** Messages still owed to a deleted endpoint are not sent. */
const CANCEL_PENDING = `
  UPDATE webhook_outbox SET status = 'cancelled' WHERE endpoint_id = $1 AND status = 'pending'`;

/**
 * Due messages of live endpoints, leased until $3 (another worker skips them; a worker that
 * dies mid-send leaves them to be sent again after the lease: at least once).
 */
const CLAIM_DUE = `
  UPDATE webhook_outbox o SET next_attempt_at = $3
    FROM (SELECT o2.id FROM webhook_outbox o2
            JOIN webhook_endpoints e ON e.id = o2.endpoint_id AND e.deleted_at IS NULL
           WHERE o2.status = 'pending' AND o2.next_attempt_at <= $1
           ORDER BY o2.next_attempt_at, o2.id LIMIT $2
             FOR UPDATE OF o2 SKIP LOCKED) due,
         webhook_endpoints e
   WHERE o.id = due.id AND e.id = o.endpoint_id
  RETURNING o.id, o.endpoint_id, o.event_type, o.payload, o.occurred_at, o.attempts,
            e.url, e.secret_sealed`;

const RECORD_ATTEMPT = `
  INSERT INTO webhook_attempts (outbox_id, endpoint_id, at, status_code, answer, duration_ms)
  VALUES ($1, $2, $3, $4, $5, $6)`;

/** $2 status (sent | pending | failed), $3 next attempt, $4 code, $5 answer, $6 now. */
const SETTLE = `
  UPDATE webhook_outbox SET status = $2, attempts = attempts + 1,
         next_attempt_at = coalesce($3, next_attempt_at), last_status = $4, last_answer = $5,
         sent_at = CASE WHEN $2 = 'sent' THEN $6::timestamptz ELSE sent_at END
   WHERE id = $1`;

/** "Send again": due now, with a fresh day of retries counted from now. */
const RESEND = `
  UPDATE webhook_outbox o SET status = 'pending', next_attempt_at = $3, occurred_at = $3
    FROM webhook_endpoints e
   WHERE o.id = $2 AND o.endpoint_id = $1 AND e.id = o.endpoint_id AND e.deleted_at IS NULL
  RETURNING o.id`;

const RECENT_ATTEMPTS = `
  SELECT a.id, a.outbox_id, o.event_type, a.at, a.status_code, a.answer, o.status AS outbox_status
    FROM webhook_attempts a JOIN webhook_outbox o ON o.id = a.outbox_id
   WHERE a.endpoint_id = $1 ORDER BY a.id DESC LIMIT $2`;

export async function insertEndpoint(
  db: Db,
  e: { url: string; events: string[]; secretSealed: string; at: Date; by: string | null },
): Promise<EndpointRow> {
  const [row]: EndpointRow[] = await db.query(INSERT_ENDPOINT, [
    e.url,
    e.events,
    e.secretSealed,
    e.at,
    e.by,
  ]);
  return row;
}

export function listEndpoints(
  db: Db,
): Promise<(EndpointRow & { pending: number; failed: number })[]> {
  return db.query(LIST_ENDPOINTS);
}

export async function deleteEndpoint(db: Db, id: string, at: Date): Promise<boolean> {
  const [rows]: [unknown[], number] = await db.query(DELETE_ENDPOINT, [id, at]);
  if (!rows.length) return false;
  await db.query(CANCEL_PENDING, [id]);
  return true;
}

export function claimDue(db: Db, now: Date, limit: number, leaseUntil: Date): Promise<OutboxRow[]> {
  return db.query(CLAIM_DUE, [now, limit, leaseUntil]).then((r: [OutboxRow[], number]) => r[0]);
}

export async function settle(
  db: Db,
  s: {
    outboxId: string;
    endpointId: string;
    status: 'sent' | 'pending' | 'failed';
    nextAt: Date | null;
    code: number | null;
    answer: string;
    at: Date;
    durationMs: number;
  },
): Promise<void> {
  await db.query(RECORD_ATTEMPT, [s.outboxId, s.endpointId, s.at, s.code, s.answer, s.durationMs]);
  await db.query(SETTLE, [s.outboxId, s.status, s.nextAt, s.code, s.answer, s.at]);
}

export async function resend(
  db: Db,
  endpointId: string,
  outboxId: string,
  at: Date,
): Promise<boolean> {
  const [rows]: [unknown[], number] = await db.query(RESEND, [endpointId, outboxId, at]);
  return rows.length > 0;
}

export function recentAttempts(db: Db, endpointId: string, limit: number): Promise<AttemptRow[]> {
  return db.query(RECENT_ATTEMPTS, [endpointId, limit]);
}
