import type { EntityManager } from 'typeorm';
import { notFound } from '../common/domain-error';
import type { ListCampaignsQuery } from './campaign.dto';
import { decodeCursor } from './campaign-cursor';
import type { CampaignDefinition } from './campaign-definition';
import type { CampaignRow } from './campaign-view';
import type { ContentCheckResult } from './ports';

// The campaigns table's statements, each named after what it does.

export const CAMPAIGN_BY_ID = `SELECT * FROM campaigns WHERE id = $1`;
/**
 * NO KEY UPDATE: serialises lifecycle changes without blocking the planner's deliveries inserts
 * (their foreign key takes KEY SHARE on this row), which would deadlock a cancel waiting for the
 * batch's step row.
 */
export const LOCK_CAMPAIGN = `SELECT * FROM campaigns WHERE id = $1 FOR NO KEY UPDATE`;

export const INSERT_DRAFT = `INSERT INTO campaigns (name, topic, goal, template_name, channels, priority, audience, schedule,
                                effective_at, created_by, created_at, updated_at,
                                holdout_percent, attribution_days, track_clicks, guardrails)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15) RETURNING *`;

export const UPDATE_DEFINITION = `UPDATE campaigns SET name = $2, topic = $3, goal = $4, template_name = $5, channels = $6,
                priority = $7, audience = $8, schedule = $9, effective_at = $10, updated_at = $11,
                holdout_percent = $12, attribution_days = $13, track_clicks = $14, guardrails = $15
         WHERE id = $1 RETURNING *`;

/** The campaign's own Reply-To (null: REPLY_TO); kept apart from the definition's columns. */
export const SET_REPLY_TO = `UPDATE campaigns SET reply_to = $2 WHERE id = $1 RETURNING *`;
/** Announcements' customer-facing words ($2 jsonb or null), set beside the definition. */
export const SET_ANNOUNCEMENT = `UPDATE campaigns SET announcement = $2 WHERE id = $1 RETURNING *`;

/** draft → scheduled at $6 with the pinned template versions and the content check. */
export const MARK_LAUNCHED = `UPDATE campaigns SET status = 'scheduled', template_version = $2, reminder_template_version = $3,
                acknowledged_warnings = $4, content_check = $5, launched_at = $6, updated_at = $6
         WHERE id = $1 RETURNING *`;

/** Step 0 of a launched campaign, due at $2. */
export const ADD_FIRST_STEP = `INSERT INTO campaign_steps (campaign_id, step, due_at) VALUES ($1, 0, $2)`;

export const MARK_PAUSED = `UPDATE campaigns SET status = 'paused', paused_from = status, updated_at = $2
         WHERE id = $1 RETURNING *`;

/** paused → $2 (where it was paused from). */
export const MARK_RESUMED = `UPDATE campaigns SET status = $2, paused_from = NULL, paused_reason = NULL, updated_at = $3
         WHERE id = $1 RETURNING *`;

/**
 * An acknowledged guardrail pause: the guardrail judges again only after another minDelivered
 * messages, so the resume is not undone at once by the figures the marketer just accepted.
 */
export const ACKNOWLEDGE_GUARDRAIL = `UPDATE campaigns SET guardrails = coalesce(guardrails, '{}'::jsonb)
         || jsonb_build_object('acknowledgedDelivered', (SELECT count(*) FROM deliveries
              WHERE campaign_id = $1 AND status IN ('sent', 'delivered', 'complained')))
         WHERE id = $1`;

export const MARK_CANCELLED = `UPDATE campaigns SET status = 'cancelled', paused_from = NULL, finished_at = $2, updated_at = $2
         WHERE id = $1 RETURNING *`;

export const CANCEL_OPEN_STEPS = `UPDATE campaign_steps SET status = 'cancelled', finished_at = $2
         WHERE campaign_id = $1 AND status IN ('pending', 'planning')`;

/** The campaign's row (locked for a lifecycle change when `lock`); a 404 when there is none. */
export async function campaignRow(
  m: EntityManager,
  id: string,
  lock = false,
): Promise<CampaignRow> {
  const rows: CampaignRow[] = await m.query(lock ? LOCK_CAMPAIGN : CAMPAIGN_BY_ID, [id]);
  if (!rows.length) throw notFound([`campaign ${id} not found`]);
  return rows[0];
}

/** An UPDATE … RETURNING * of one campaign (TypeORM answers [rows, affected]). */
export async function updateCampaign(
  m: EntityManager,
  sql: string,
  params: unknown[],
): Promise<CampaignRow> {
  const [[row]]: [CampaignRow[], number] = await m.query(sql, params);
  return row;
}

export const definitionParams = (def: CampaignDefinition): unknown[] => [
  def.name,
  def.topic,
  def.goal,
  def.template,
  def.channels,
  def.priority,
  JSON.stringify(def.audience),
  JSON.stringify(def.schedule),
  def.effectiveAt,
];

/** The outcome settings' parameters, after definitionParams and the actor/time ones. */
export const outcomeParams = (def: CampaignDefinition): unknown[] => [
  def.holdoutPercent ?? 0,
  def.attributionDays ?? 7,
  def.trackClicks ?? true,
  def.guardrails ? JSON.stringify(def.guardrails) : null,
];

export interface LaunchPin {
  templateVersion: number;
  reminderVersion: number | null;
  acknowledgeWarnings: boolean;
  content: ContentCheckResult | null;
}

export const launchParams = (id: string, pin: LaunchPin, now: Date): unknown[] => [
  id,
  pin.templateVersion,
  pin.reminderVersion,
  pin.acknowledgeWarnings,
  pin.content === null ? null : JSON.stringify(pin.content),
  now,
];

/**
 * One page of the campaigns list, newest first, filtered by status, goal and topic: `limit` rows
 * and one more when there is a next page.
 */
export function listCampaigns(
  m: EntityManager,
  q: ListCampaignsQuery,
  limit: number,
): Promise<CampaignRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.status) where.push(`status = $${params.push(q.status)}`);
  if (q.goal) where.push(`goal = $${params.push(q.goal)}`);
  if (q.topic) where.push(`topic = $${params.push(q.topic)}`);
  if (q.cursor) {
    const [at, id] = decodeCursor(q.cursor);
    where.push(`(created_at, id) < ($${params.push(at)}::timestamptz, $${params.push(id)}::uuid)`);
  }
  return m.query(
    `SELECT * FROM campaigns ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
    params,
  );
}
