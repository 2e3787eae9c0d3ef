import type { EntityManager } from 'typeorm';
import { ANNOYANCE, TREATED_COUNTS } from './results-sql';

export interface CampaignFigures {
  customers: number;
  delivered: number;
  unsubscribed: number;
  complained: number;
  smsStop: number;
}

/** Reach and annoyance of one campaign: what the results show and the guardrail reads. */
export async function campaignFigures(
  m: EntityManager,
  campaignId: string,
): Promise<CampaignFigures> {
  const [[treated], [annoyance]]: [
    { customers: number; delivered: number }[],
    { unsubscribed: number; complained: number; smsStop: number }[],
  ] = await Promise.all([m.query(TREATED_COUNTS, [campaignId]), m.query(ANNOYANCE, [campaignId])]);
  return { ...treated, ...annoyance };
}

/** The campaign row's fields the outcomes read. */
export interface OutcomeCampaignRow {
  id: string;
  status: string;
  attribution_days: number;
  guardrails: {
    maxComplaintRate?: number;
    maxUnsubscribeRate?: number;
    minDelivered?: number;
    acknowledgedDelivered?: number;
  } | null;
  paused_reason: string | null;
  launched_at: Date | null;
}

export const OUTCOME_CAMPAIGN = `SELECT id, status, attribution_days, guardrails, paused_reason, launched_at
  FROM campaigns WHERE id = $1`;
