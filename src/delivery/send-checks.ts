import {
  DEFAULT_DOUBLE_OPT_IN,
  marketingConsentProblem,
  serviceConsentProblem,
} from '../policy/engine/consent';
import {
  intersectWindow,
  isInside,
  nextInside,
  windowOutsideQuietHours,
} from '../policy/engine/send-window';
import { parseClock } from '../policy/engine/time';
import type {
  Category,
  Channel,
  ConsentEntry,
  ContactPolicy,
  CustomerKind,
  Goal,
  ReasonCode,
} from '../policy/engine/types';

/** The shared double opt-in rule (see DEFAULT_DOUBLE_OPT_IN in the policy engine). */
export const DOUBLE_OPT_IN = DEFAULT_DOUBLE_OPT_IN;

export interface SendCheckInput {
  channel: Channel;
  category: Category;
  topic: string;
  goal: Goal;
  campaignId: string;
  kind: CustomerKind;
  erased: boolean;
  /** The address the channel needs (e-mail or phone of the customer). */
  address: string | null;
  /** Voice: the account manager rung first. */
  accountManagerPhone: string | null;
  consent: readonly ConsentEntry[];
  /** Suppressed for this channel: its own address, or any address for a person-wide reason. */
  suppressed: boolean;
  /** An open follow-up: the customer waits for a person, and content and offers wait too. */
  needsAttention: boolean;
}

/**
 * Promise 1 at the moment of hand-over: the reason a claimed delivery must not go out, or null.
 * Suppression beats everything; marketing needs a live consent; service honours opt-outs.
 */
export function sendTimeProblem(d: SendCheckInput): ReasonCode | null {
  if (d.erased || d.suppressed) return 'suppressed';
  if (!d.address) return 'unreachable';
  if (d.channel === 'voice') {
    if (d.kind !== 'business') return 'channel_not_allowed';
    if (!d.accountManagerPhone) return 'unreachable';
  }
  // A follow-up opened after planning still stops what was planned: selling waits for a person.
  if (d.needsAttention && d.category !== 'service') return 'needs_attention';
  const consent = { entries: d.consent, doubleOptIn: DOUBLE_OPT_IN };
  if (d.category === 'service') {
    return serviceConsentProblem(consent, d.channel, {
      campaignId: d.campaignId,
      topic: d.topic,
      category: d.category,
      goal: d.goal,
      channels: [d.channel],
      priority: 0,
    });
  }
  return marketingConsentProblem(consent, d.channel, d.topic);
}

/**
 * Promises 3 and 4 at the moment of hand-over: a message claimed late (a backlog, a retry) may
 * have drifted into quiet hours or out of business hours. Returns the instant it may go, or null
 * when it may go now.
 */
export function sendWindowDelay(
  channel: Channel,
  policy: Pick<ContactPolicy, 'quietHours' | 'businessHours'>,
  timezone: string,
  now: number,
): number | null {
  let window = windowOutsideQuietHours(
    parseClock(policy.quietHours.start),
    parseClock(policy.quietHours.end),
  );
  if (channel === 'voice') {
    const bh = policy.businessHours;
    window = intersectWindow(window, bh.days, parseClock(bh.start), parseClock(bh.end));
  }
  if (isInside(window, timezone, now)) return null;
  const next = nextInside(window, timezone, now);
  return Number.isFinite(next) ? next : null;
}

/** Exponential backoff with full jitter between half and the whole step: 30 s, 1 min, 2 min … ≤ 1 h. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}
