import type { CampaignStatus } from './campaign-rules';

export interface CampaignProgress {
  status: CampaignStatus;
  audience: number;
  planned: number;
  sent: number;
  deferred: number;
  /** Bounced or refused: the message did not reach the customer. */
  failed: number;
  /** Handed over when a sender died (or the connection broke): maybe sent, never re-sent. */
  unknown: number;
  /** What `unknown` means, for people reading the progress. */
  unknownMeaning: string;
  skipped: Record<string, number>;
  cancelled: number;
  byStatus: Record<string, number>;
  steps: { step: number; status: string; dueAt: Date; audience: number | null }[];
}

/** At most once (promise 6): a delivery whose fate is unknown is never tried again. */
export const UNKNOWN_MEANING = 'fate unknown after a crash; never re-sent';

/** The campaigns' steps in order. $1: campaign ids. */
export const STEPS_OF_CAMPAIGNS = `
  SELECT campaign_id, step, status, due_at, audience_size
    FROM campaign_steps WHERE campaign_id = ANY($1::uuid[])
   ORDER BY campaign_id, step`;

/** Deliveries per campaign and status, and how many planned ones wait past now. $1: ids, $2: now. */
export const DELIVERY_COUNTS_BY_CAMPAIGN = `
  SELECT campaign_id, status, count(*)::int AS n,
         count(*) FILTER (WHERE status = 'planned' AND not_before > $2)::int AS deferred
    FROM deliveries WHERE campaign_id = ANY($1::uuid[])
   GROUP BY campaign_id, status`;

/** The planner's skips per campaign and reason, from the audit. $1: campaign ids. */
export const SKIP_COUNTS_BY_CAMPAIGN = `
  SELECT campaign_id, reason, count(*)::int AS n
    FROM audit_events WHERE campaign_id = ANY($1::uuid[]) AND type = 'decision.skip'
   GROUP BY campaign_id, reason ORDER BY campaign_id, reason`;

export interface StepRow {
  campaign_id: string;
  step: number;
  status: string;
  due_at: Date;
  audience_size: number | null;
}
export interface DeliveryCountRow {
  campaign_id: string;
  status: string;
  n: number;
  deferred: number;
}
export interface SkipCountRow {
  campaign_id: string;
  reason: string | null;
  n: number;
}

/** One campaign's rows out of the set-wise reads. */
export interface ProgressRows {
  steps: StepRow[];
  counts: DeliveryCountRow[];
  skips: SkipCountRow[];
}

/** Splits the set-wise reads by campaign (each keeps its order). */
export function rowsByCampaign(
  ids: readonly string[],
  steps: StepRow[],
  counts: DeliveryCountRow[],
  skips: SkipCountRow[],
): Map<string, ProgressRows> {
  const out = new Map<string, ProgressRows>(
    ids.map((id) => [id, { steps: [], counts: [], skips: [] }]),
  );
  for (const s of steps) out.get(s.campaign_id)?.steps.push(s);
  for (const c of counts) out.get(c.campaign_id)?.counts.push(c);
  for (const s of skips) out.get(s.campaign_id)?.skips.push(s);
  return out;
}

/** The audience the planner recorded per step; null until it has sized one. */
export function sizedAudience(steps: StepRow[]): number | null {
  const sized = steps.filter((s) => s.audience_size !== null);
  return sized.length ? sized.reduce((a, s) => a + (s.audience_size ?? 0), 0) : null;
}

/**
 * The counting rules of a campaign's progress, the same for one campaign and for a list.
 * `audienceNow` stands in for the audience until the planner has sized a step.
 */
export function progressFrom(
  status: CampaignStatus,
  rows: ProgressRows,
  audienceNow: number,
): CampaignProgress {
  const byStatus: Record<string, number> = {};
  let deferred = 0;
  for (const r of rows.counts) {
    byStatus[r.status] = r.n;
    deferred += r.deferred;
  }
  const sum = (...s: string[]) => s.reduce((a, k) => a + (byStatus[k] ?? 0), 0);
  return {
    status,
    // the planner records each step's size; before it has, the audience as it stands now
    audience: sizedAudience(rows.steps) ?? audienceNow,
    // every delivery the planner wrote, whatever became of it
    planned: Object.values(byStatus).reduce((a, n) => a + n, 0),
    sent: sum('sent', 'delivered', 'complained'),
    deferred,
    failed: sum('failed', 'bounced'),
    unknown: sum('unknown'),
    unknownMeaning: UNKNOWN_MEANING,
    skipped: Object.fromEntries(rows.skips.map((s) => [s.reason ?? 'unknown', s.n])),
    cancelled: sum('cancelled'),
    byStatus,
    steps: rows.steps.map((s) => ({
      step: s.step,
      status: s.status,
      dueAt: s.due_at,
      audience: s.audience_size,
    })),
  };
}
