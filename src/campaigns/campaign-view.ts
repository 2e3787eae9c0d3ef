import type { Channel, Goal } from '../policy/engine';
import type { Schedule } from '../planning/schedule';
import type { CampaignStatus } from './campaign-lifecycle';
import type { AnnouncementTexts } from './announcement-texts';
import type { ContentCheckResult } from './ports';

export interface CampaignGuardrails {
  maxComplaintRate?: number;
  maxUnsubscribeRate?: number;
  minDelivered?: number;
  /** Delivered when a marketer acknowledged a guardrail pause; counted from there on. */
  acknowledgedDelivered?: number;
}

export interface CampaignView {
  id: string;
  name: string;
  topic: string;
  goal: Goal;
  template: string;
  /** Pinned at launch; null while in draft. */
  templateVersion: number | null;
  reminderTemplateVersion: number | null;
  channels: Channel[];
  priority: number;
  audience: Record<string, unknown>;
  schedule: Schedule;
  effectiveAt: Date | null;
  holdoutPercent: number;
  attributionDays: number;
  trackClicks: boolean;
  /** The campaign's own limits; absent ones take the settings' defaults. */
  guardrails: CampaignGuardrails | null;
  /** Why the campaign paused itself (a guardrail), null otherwise. */
  pausedReason: string | null;
  /** Announcements: the customer-facing title and summary per locale. */
  announcement: AnnouncementTexts | null;
  status: CampaignStatus;
  acknowledgedWarnings: boolean;
  contentCheck: ContentCheckResult | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  launchedAt: Date | null;
  finishedAt: Date | null;
  /** Reply-To of its e-mails; null: the REPLY_TO setting. */
  replyTo: string | null;
}

/** A `campaigns` row as the database answers it. */
export interface CampaignRow {
  id: string;
  name: string;
  topic: string;
  goal: Goal;
  template_name: string;
  template_version: number | null;
  reminder_template_version: number | null;
  channels: Channel[];
  priority: number;
  audience: Record<string, unknown>;
  schedule: Schedule;
  effective_at: Date | null;
  holdout_percent: number;
  attribution_days: number;
  track_clicks: boolean;
  guardrails: CampaignGuardrails | null;
  paused_reason: string | null;
  announcement: AnnouncementTexts | null;
  status: CampaignStatus;
  paused_from: 'scheduled' | 'running' | null;
  acknowledged_warnings: boolean;
  content_check: ContentCheckResult | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  launched_at: Date | null;
  finished_at: Date | null;
  reply_to: string | null;
}

export const toCampaignView = (r: CampaignRow): CampaignView => ({
  id: r.id,
  name: r.name,
  topic: r.topic,
  goal: r.goal,
  template: r.template_name,
  templateVersion: r.template_version,
  reminderTemplateVersion: r.reminder_template_version,
  channels: r.channels,
  priority: r.priority,
  audience: r.audience,
  schedule: r.schedule,
  effectiveAt: r.effective_at,
  holdoutPercent: r.holdout_percent,
  attributionDays: r.attribution_days,
  trackClicks: r.track_clicks,
  guardrails: r.guardrails,
  pausedReason: r.paused_reason,
  announcement: r.announcement ?? null,
  status: r.status,
  acknowledgedWarnings: r.acknowledged_warnings,
  contentCheck: r.content_check,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  launchedAt: r.launched_at,
  finishedAt: r.finished_at,
  replyTo: r.reply_to,
});
