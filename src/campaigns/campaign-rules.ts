import type { Category, Channel, Goal } from '../policy/engine';

export const GOALS = [
  'engagement',
  'retention',
  'winback',
  'review',
  'announcement',
  'care',
] as const satisfies readonly Goal[];
export const CHANNELS = ['email', 'sms', 'voice'] as const satisfies readonly Channel[];
// The statuses belong to the lifecycle; kept reachable here for the DTOs and console specs.
export { CAMPAIGN_STATUSES, type CampaignStatus } from './campaign-lifecycle';

/** Goals that are a service to the customer, not marketing: they go under a service topic. */
export const SERVICE_GOALS: readonly Goal[] = ['announcement', 'review', 'care'];

/**
 * Goal and topic category must agree: service goals (announcement, review, care) need a
 * service topic, and a service topic carries nothing else — selling under a service label
 * would skip the marketing consent the engine requires for content and promotional topics.
 */
export function goalTopicProblem(goal: Goal, topic: string, category: Category): string | null {
  const serviceGoal = SERVICE_GOALS.includes(goal);
  if (serviceGoal && category !== 'service')
    return `topic ${topic} is a ${category} topic; ${goal} campaigns need a service topic`;
  if (!serviceGoal && category === 'service')
    return `topic ${topic} is a service topic; ${goal} campaigns need a content or promotional topic`;
  return null;
}

/**
 * Channels are an order of preference the engine decides per customer: consumers are never
 * called (`channel_not_allowed`, then the next channel), business contacts with a voice consent
 * may be, offers included. So voice is no refusal; the marketer is warned when nobody in the
 * audience could be called.
 */
export function callableAudience(audience: Record<string, unknown>, topic: string) {
  return {
    all: [
      audience,
      { field: 'kind', op: 'eq', value: 'business' },
      { field: 'hasPhone', op: 'eq', value: true },
      { field: 'hasAccountManagerPhone', op: 'eq', value: true },
      { field: 'subscribedTo.voice', op: 'eq', value: topic },
    ],
  };
}

/** The warning for a campaign that lists voice but would call nobody, or null. */
export function noCallsWarning(channels: readonly string[], calls: number): string | null {
  if (!channels.includes('voice') || calls > 0) return null;
  return 'channels: voice is listed but no business contact in the audience can be called (a phone, an account manager phone and a voice consent for the topic are needed); the others get the next channel';
}
