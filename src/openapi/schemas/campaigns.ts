import { CAMPAIGN_STATUSES } from '../../campaigns/campaign-lifecycle';
import { GOALS } from '../../campaigns/campaign-rules';
import { REASON_CODES } from '../../policy/engine';
import { TRIGGER_EVENTS } from '../../planning/schedule';
import {
  anyObject,
  arrayOf,
  bool,
  dateTime,
  enumOf,
  int,
  nullable,
  nullableRef,
  num,
  object,
  page,
  ref,
  str,
  strings,
  uuid,
  type Schema,
} from './common';
import { CHANNEL } from './customers';

/** Counts keyed by a policy reason code (no_consent, quiet_hours, …). */
const byReason: Schema = {
  type: 'object',
  description: `Keys: ${REASON_CODES.join(', ')}`,
  additionalProperties: int,
};

/** Campaigns: the view, the schedule kinds, launch, forecast and progress. */
export const CAMPAIGN_SCHEMAS: Record<string, Schema> = {
  Schedule: {
    oneOf: [
      object({ type: enumOf(['now']) }),
      object({ type: enumOf(['once']), at: dateTime }),
      object({ type: enumOf(['cron']), cron: str, timezone: str }),
      object(
        {
          type: enumOf(['trigger']),
          event: enumOf(TRIGGER_EVENTS),
          delayHours: num,
          minScore: int,
          reminder: object(
            { afterDays: num, template: str, unless: enumOf(['review_posted']) },
            { optional: ['unless'] },
          ),
        },
        { optional: ['minScore', 'reminder'] },
      ),
    ],
  },
  ContentCheck: object({
    score: num,
    level: enumOf(['ok', 'warn', 'high']),
    findings: arrayOf(object({ rule: str, phrase: str })),
  }),
  Campaign: object({
    id: uuid,
    name: str,
    topic: str,
    goal: enumOf(GOALS),
    template: str,
    templateVersion: nullable({ ...int, description: 'Pinned at launch; null in draft' }),
    reminderTemplateVersion: nullable(int),
    channels: arrayOf(CHANNEL),
    priority: int,
    audience: { ...anyObject, description: 'The audience filter ({} is everyone)' },
    schedule: ref('Schedule'),
    effectiveAt: nullable(dateTime),
    holdoutPercent: num,
    attributionDays: int,
    trackClicks: bool,
    guardrails: nullable(
      object(
        {
          maxComplaintRate: num,
          maxUnsubscribeRate: num,
          minDelivered: int,
          acknowledgedDelivered: int,
        },
        {
          optional: [
            'maxComplaintRate',
            'maxUnsubscribeRate',
            'minDelivered',
            'acknowledgedDelivered',
          ],
        },
      ),
    ),
    pausedReason: nullable(str),
    status: enumOf(CAMPAIGN_STATUSES),
    acknowledgedWarnings: bool,
    contentCheck: nullableRef('ContentCheck'),
    createdBy: str,
    createdAt: dateTime,
    updatedAt: dateTime,
    launchedAt: nullable(dateTime),
    finishedAt: nullable(dateTime),
    replyTo: nullable(str),
    announcement: nullable({
      type: 'object',
      description: 'Announcements: the customer-facing title and summary per locale',
      additionalProperties: object({ title: str, summary: str }),
    }),
  }),
  CampaignList: page(ref('Campaign')),
  LaunchedCampaign: object({
    campaign: ref('Campaign'),
    step: object({ step: int, dueAt: dateTime }),
    calls: { ...int, description: 'Business contacts in the audience who can be called' },
    warnings: strings,
  }),
  CampaignForecast: object(
    {
      audience: int,
      send: int,
      defer: int,
      skip: byReason,
      deferReasons: byReason,
      earliestSendAt: nullable(dateTime),
      latestSendAt: nullable(dateTime),
      at: dateTime,
      step: int,
      competitors: arrayOf(
        object({ id: uuid, name: str, priority: int, step: int, plansAt: dateTime }),
      ),
      content: ref('ContentCheck'),
      contentProblems: strings,
      channels: {
        type: 'object',
        description: 'Planned messages per channel',
        additionalProperties: int,
      },
      calls: { ...int, description: 'Calls the engine plans (business contacts only)' },
      warnings: strings,
    },
    { optional: ['content', 'contentProblems'] },
  ),
  CampaignProgress: object({
    status: enumOf(CAMPAIGN_STATUSES),
    audience: int,
    planned: int,
    sent: int,
    deferred: int,
    failed: int,
    unknown: int,
    unknownMeaning: str,
    skipped: byReason,
    cancelled: int,
    byStatus: { type: 'object', description: 'Deliveries by status', additionalProperties: int },
    steps: arrayOf(
      object({
        step: int,
        status: enumOf(['pending', 'planning', 'planned', 'cancelled']),
        dueAt: dateTime,
        audience: nullable(int),
      }),
    ),
  }),
  AudienceCount: object({ count: int }),
};
