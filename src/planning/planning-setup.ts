import type { EntityManager } from 'typeorm';
import {
  requiredHistoryDays,
  type CampaignMessage,
  type Category,
  type Channel,
  type ContactPolicy,
  type CustomerKind,
  type Goal,
} from '../policy/engine';
import type { Schedule } from './schedule';
import { CAMPAIGN_TO_PLAN } from './sql/campaigns';

/** The campaign columns the planner reads. */
export interface CampaignRow {
  id: string;
  topic: string;
  goal: Goal;
  template_name: string;
  template_version: number | null;
  reminder_template_version: number | null;
  channels: Channel[];
  priority: number;
  audience: unknown;
  schedule: Schedule;
  effective_at: Date | null;
  holdout_percent: number;
  status: string;
  launched_at: Date | null;
}

/** What planning a campaign needs beside its customers: the campaign, its topic and policies. */
export interface PlanningSetup {
  campaign: CampaignRow;
  category: Category;
  cadenceDays: number | null;
  policies: Record<CustomerKind, ContactPolicy>;
  historyDays: number;
}

/** The campaign (when its status is one of `statuses`) with its topic's category and cadence. */
export async function campaignToPlan(
  m: EntityManager,
  campaignId: string,
  statuses: readonly string[],
): Promise<(CampaignRow & { category: Category; cadence_days: number | null }) | null> {
  const rows: (CampaignRow & { category: Category; cadence_days: number | null })[] = await m.query(
    CAMPAIGN_TO_PLAN,
    [campaignId, statuses],
  );
  return rows[0] ?? null;
}

/** The setup of a campaign under the policies in force. */
export function planningSetup(
  campaign: CampaignRow & { category: Category; cadence_days: number | null },
  policies: Record<CustomerKind, ContactPolicy>,
): PlanningSetup {
  const cadence = campaign.cadence_days ?? 0;
  return {
    campaign,
    category: campaign.category,
    cadenceDays: campaign.cadence_days,
    policies,
    // Enough history for the stricter of the two policies: one batch holds both kinds.
    historyDays: Math.max(
      requiredHistoryDays(policies.consumer, cadence),
      requiredHistoryDays(policies.business, cadence),
    ),
  };
}

/** The message the engine decides on for one step of the campaign. */
export function messageOf(
  setup: PlanningSetup,
  step: number,
  isReminder: boolean,
): CampaignMessage {
  const c = setup.campaign;
  return {
    campaignId: c.id,
    step,
    topic: c.topic,
    category: setup.category,
    cadenceDays: setup.cadenceDays,
    goal: c.goal,
    channels: c.channels,
    priority: c.priority,
    launchedAt: c.launched_at,
    effectiveAt: c.effective_at,
    isReminder,
    holdoutPercent: c.holdout_percent,
  };
}
