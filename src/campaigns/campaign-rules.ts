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

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether an audience filter can only ever match business contacts: a `kind = business`
 * comparison at the top or inside a top-level `all`, or an `any` whose every branch is so.
 */
export function audienceOnlyBusiness(filter: unknown): boolean {
  if (!isObject(filter)) return false;
  if (filter.field === 'kind') {
    if (filter.op === 'eq') return filter.value === 'business';
    if (filter.op === 'in')
      return (
        Array.isArray(filter.value) &&
        filter.value.length > 0 &&
        filter.value.every((v) => v === 'business')
      );
    return false;
  }
  if (Array.isArray(filter.all)) return filter.all.some(audienceOnlyBusiness);
  if (Array.isArray(filter.any))
    return filter.any.length > 0 && filter.any.every(audienceOnlyBusiness);
  return false;
}

/**
 * Channels a campaign may list. Calls are made by a person (the account manager), so voice is
 * only for business contacts and never for promotional topics: the audience must be limited
 * to `kind = business` and the topic must be content or service. Consumers are never called
 * (the engine refuses it too; refusing it here tells the marketer before launch).
 */
export function channelProblems(
  channels: readonly string[],
  category: Category,
  audience: unknown,
): string[] {
  const errors: string[] = [];
  if (!channels.includes('voice')) return errors;
  if (category === 'promotional')
    errors.push('channels: voice is not allowed for promotional topics (no sales calls)');
  if (!audienceOnlyBusiness(audience))
    errors.push(
      'channels: voice needs an audience limited to business contacts ({ "field": "kind", "op": "eq", "value": "business" })',
    );
  return errors;
}
