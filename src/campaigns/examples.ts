import type { TopicCategory } from '../topics/topics.dto';
import type { CampaignDefinition } from './campaign-definition';

/** Topics the example campaigns use; created when missing. */
export const EXAMPLE_TOPICS: readonly {
  key: string;
  category: TopicCategory;
  cadenceDays?: number;
  title: { ru: string; en: string };
}[] = [
  {
    key: 'tips',
    category: 'content',
    cadenceDays: 30,
    title: { ru: 'Полезные советы', en: 'Useful tips' },
  },
  { key: 'offers', category: 'promotional', title: { ru: 'Предложения', en: 'Offers' } },
  { key: 'care', category: 'service', title: { ru: 'Забота о покупке', en: 'Purchase care' } },
  { key: 'reviews', category: 'service', title: { ru: 'Отзывы', en: 'Reviews' } },
  {
    key: 'announcements',
    category: 'service',
    title: { ru: 'Важные изменения', en: 'Announcements' },
  },
];

const DAY = 86_400_000;

/** The next 10:00 UTC at least `days` days after `now` (a civil hour, whatever the clock). */
function at10(now: Date, days: number): Date {
  const d = new Date(now.getTime() + days * DAY);
  d.setUTCHours(10, 0, 0, 0);
  return d;
}

/**
 * Ready campaign definitions, one per goal, after the founding material: useful content at the
 * topic's cadence, a free service touch after a purchase, a review asked only after a good
 * experience (reminded once), one win-back per lapse, changes announced well ahead, and an
 * offer rarely. Template names are the built-in templates'.
 */
export function exampleCampaigns(now: Date): CampaignDefinition[] {
  const announceAt = at10(now, 1);
  return [
    {
      name: 'Useful tips — monthly newsletter',
      topic: 'tips',
      goal: 'retention',
      template: 'tips',
      channels: ['email'],
      priority: 40,
      audience: { field: 'lifecycleStage', op: 'in', value: ['new', 'active', 'lapsing'] },
      // 10:00 Moscow time on the first of every month
      schedule: { type: 'cron', cron: '0 10 1 * *', timezone: 'Europe/Moscow' },
      effectiveAt: null,
    },
    {
      name: 'Care after purchase (48 h)',
      topic: 'care',
      goal: 'care',
      template: 'care-after-purchase',
      channels: ['email', 'sms'],
      priority: 70,
      audience: {},
      schedule: { type: 'trigger', event: 'purchase', delayHours: 48 },
      effectiveAt: null,
    },
    {
      name: 'Review request after a good experience',
      topic: 'reviews',
      goal: 'review',
      template: 'review-request',
      channels: ['email'],
      priority: 60,
      audience: {},
      schedule: {
        type: 'trigger',
        event: 'satisfaction',
        delayHours: 2,
        minScore: 4,
        reminder: { afterDays: 7, template: 'review-reminder', unless: 'review_posted' },
      },
      effectiveAt: null,
    },
    {
      name: 'Win-back of lapsed customers',
      topic: 'offers',
      goal: 'winback',
      template: 'winback',
      channels: ['email'],
      priority: 30,
      audience: {},
      schedule: { type: 'trigger', event: 'lapsed', delayHours: 0 },
      effectiveAt: null,
    },
    {
      name: 'Announcement of a change',
      topic: 'announcements',
      goal: 'announcement',
      template: 'announcement',
      channels: ['email', 'sms'],
      priority: 90,
      audience: {},
      schedule: { type: 'once', at: announceAt.toISOString() },
      // a month's notice, well beyond the policy's 14 days
      effectiveAt: new Date(announceAt.getTime() + 30 * DAY).toISOString(),
      announcement: {
        ru: {
          title: 'Новые часы работы магазина',
          summary: 'Магазин будет открыт каждый день с 9:00 до 21:00, без перерыва на обед.',
        },
        en: {
          title: 'New shop opening hours',
          summary: 'The shop will be open every day from 9:00 to 21:00, with no lunch break.',
        },
      },
    },
    {
      name: 'Offer for new customers',
      topic: 'offers',
      goal: 'engagement',
      template: 'offer',
      channels: ['email'],
      priority: 20,
      audience: {
        all: [
          { field: 'kind', op: 'eq', value: 'consumer' },
          { field: 'lifecycleStage', op: 'eq', value: 'new' },
        ],
      },
      schedule: { type: 'once', at: at10(now, 2).toISOString() },
      effectiveAt: null,
    },
  ];
}
