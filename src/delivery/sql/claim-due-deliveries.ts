import type { EntityManager } from 'typeorm';
import type { Category, Channel, Goal } from '../../policy/engine';

/** Advisory lock space (two-int form) of deliveries held by a live sender's batch. */
export const DELIVERY_LOCK_NAMESPACE = 0x7ac7de11;
/** Due rows looked at per claim, beyond which rows held by other batches are not searched. */
const CLAIM_LOOKAHEAD = 1000;

/** A claimed delivery with what the sender needs from its campaign and topic. */
export interface ClaimedDelivery {
  id: string;
  campaign_id: string;
  step: number;
  customer_id: string;
  channel: Channel;
  category: Category;
  topic: string;
  goal: Goal;
  template_name: string;
  template_version: number;
  policy_version: number;
  consent_event_id: string | null;
  attempts: number;
  campaign_name: string;
  effective_at: Date | null;
  announcement?: Record<string, { title: string; summary: string }> | null;
  topic_title: Record<string, string> | null;
  /** The campaign's own Reply-To (null: REPLY_TO). */
  campaign_reply_to: string | null;
  /** The campaign's trackClicks. */
  track_clicks: boolean;
}

// Right after a campaign is planned in bulk, the statistics (until autovacuum analyses) say few
// rows are planned, and the planner reads and sorts every planned row (a bitmap scan) at each
// claim: work per message that grows with the backlog. Walking the due index in order reads only
// the look-ahead, whatever the statistics say.
const WALK_DUE_INDEX_IN_ORDER = `SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off`;
const RESET_PLANNER = `RESET enable_bitmapscan; RESET enable_sort`;

/** $1 now, $2 batch size, $3 look-ahead, $4 lock namespace. */
const CLAIM_DUE_DELIVERIES = `
  WITH due AS MATERIALIZED (
    SELECT d.id FROM deliveries d
     WHERE d.status = 'planned' AND d.not_before <= $1
       AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= $1)
       AND (SELECT c.status FROM campaigns c WHERE c.id = d.campaign_id) = 'running'
     ORDER BY d.not_before
     LIMIT $3
  ), claimed AS MATERIALIZED (
    -- In due order, and only until the batch is full: the lock is taken row by row.
    SELECT id FROM due WHERE pg_try_advisory_xact_lock($4, hashtext(id::text)) LIMIT $2
  )
  SELECT d.id, d.campaign_id, d.step, d.customer_id, d.channel, d.category, d.topic, d.goal,
         d.template_name, d.template_version, d.policy_version, d.consent_event_id::text AS consent_event_id,
         d.attempts, c.name AS campaign_name, c.effective_at, c.announcement, t.title AS topic_title,
         c.reply_to AS campaign_reply_to,
         c.track_clicks
    FROM claimed cl
    JOIN deliveries d ON d.id = cl.id
    JOIN campaigns c ON c.id = d.campaign_id
    LEFT JOIN topics t ON t.key = d.topic`;

/**
 * Claims due deliveries of running campaigns inside the batch's transaction: a transaction
 * advisory lock per row, not a write. The rows stay `planned` (cancellable by a withdrawal or a
 * campaign cancel) until their own group is marked `sending`; if this process dies, its locks go
 * with its connection and the rows are at once claimable by another worker.
 */
export async function claimDueDeliveries(
  m: EntityManager,
  now: Date,
  limit: number,
): Promise<ClaimedDelivery[]> {
  await m.query(WALK_DUE_INDEX_IN_ORDER);
  const rows: ClaimedDelivery[] = await m.query(CLAIM_DUE_DELIVERIES, [
    now,
    limit,
    limit + CLAIM_LOOKAHEAD,
    DELIVERY_LOCK_NAMESPACE,
  ]);
  await m.query(RESET_PLANNER);
  return rows;
}
