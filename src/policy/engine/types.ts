/** Epoch milliseconds or a Date; the engine never reads the clock itself. */
export type Instant = Date | number;

export type CustomerKind = 'consumer' | 'business';
export type Channel = 'email' | 'sms' | 'voice';
export type Category = 'content' | 'promotional' | 'service';
export type Goal = 'engagement' | 'retention' | 'winback' | 'review' | 'announcement' | 'care';
export type ConsentStatus = 'granted' | 'confirmed' | 'withdrawn';
export type MaxFrequency = 'quarter' | 'half_year' | 'year';

export const REASON_CODES = [
  'no_consent',
  'consent_unconfirmed',
  'consent_withdrawn',
  'budget_exhausted',
  'quiet_hours',
  'channel_not_allowed',
  'unreachable',
  'paused_by_customer',
  'suppressed',
  'fatigue_backoff',
  'not_satisfied',
  'notice_too_short',
  'already_contacted',
  'outside_business_hours',
  // Outcomes: the campaign's control group, kept out to measure what the campaign did.
  'held_out',
  // An unhappy customer waits for a person: no content or offers until the follow-up is resolved.
  'needs_attention',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface CustomerFacts {
  id: string;
  kind: CustomerKind;
  /** IANA zone; an unknown zone is treated as UTC. */
  timezone: string;
  locale?: string;
  hasEmail: boolean;
  hasPhone: boolean;
  /** Business contacts: a person (the account manager) must be there to place a call. */
  hasAccountManagerPhone?: boolean;
  firstPurchaseAt?: Instant | null;
  lastPurchaseAt?: Instant | null;
  purchaseCount: number;
  /** 1..5 */
  lastSatisfactionScore?: number | null;
  lastSatisfactionAt?: Instant | null;
  /** Last click, reply or other engagement event; resets fatigue like a purchase does. */
  lastEngagementAt?: Instant | null;
  /** Start of the current lapse; derived from lastPurchaseAt + policy.lapseDays when absent. */
  lapseStartedAt?: Instant | null;
  lapseId?: string | null;
  /** An unhappy customer waits for a person (an open follow-up): no content or promotion. */
  hasOpenFollowUp?: boolean;
}

export interface ConsentEntry {
  channel: Channel;
  /** A topic key, or '*' for every topic. */
  topic: string;
  status: ConsentStatus;
  /** When this state began; breaks ties between a topic entry and a '*' entry. */
  since?: Instant | null;
  /**
   * A grant made through another channel (a forwarded e-mail link granting SMS): it is pending
   * and allows no marketing until confirmed on its own channel, double opt-in or not.
   */
  needsConfirmation?: boolean;
}

export interface ConsentState {
  entries: readonly ConsentEntry[];
  /** Channels where a 'granted' consent must be 'confirmed' (double opt-in) before marketing. */
  doubleOptIn?: Partial<Record<Channel, boolean>>;
}

export interface CustomerPreferences {
  maxFrequency?: MaxFrequency | null;
  pausedUntil?: Instant | null;
  /** When non-empty, only these channels, in this order. */
  preferredChannels?: readonly Channel[];
  topicOptOuts?: readonly string[];
}

/** A past contact or a planned one (a reservation); order does not matter. */
export interface ContactRecord {
  at: Instant;
  channel: Channel;
  category: Category;
  topic: string;
  campaignId?: string;
  step?: number;
  goal?: Goal;
  engaged?: boolean;
  isReminder?: boolean;
  lapseId?: string | null;
}

export interface Suppression {
  suppressed: boolean;
  reason?: string;
}

export interface CampaignMessage {
  campaignId: string;
  /** Step of a multi-step campaign; 0 when absent. */
  step?: number;
  topic: string;
  category: Category;
  /** The topic's stated cadence ("monthly" = 30). */
  cadenceDays?: number | null;
  goal: Goal;
  /** Allowed channels in the campaign's order of preference. */
  channels: readonly Channel[];
  priority: number;
  launchedAt?: Instant | null;
  /** Announcements: when the change takes effect. */
  effectiveAt?: Instant | null;
  /** Review campaigns: this step is the (single) reminder. */
  isReminder?: boolean;
  /** Outcomes: the share (0–50) of customers it would reach that is kept out as a control group. */
  holdoutPercent?: number;
}

/** "At most max messages in any windowDays-day sliding window." */
export interface WindowBudget {
  max: number;
  windowDays: number;
}

/** Local wall-clock range "HH:mm"; end before start wraps midnight. */
export interface ClockRange {
  start: string;
  end: string;
}

export interface ContactPolicy {
  kind: CustomerKind;
  version: number;
  budgets: {
    promotional: readonly WindowBudget[];
    content: readonly WindowBudget[];
    service: readonly WindowBudget[];
    all: readonly WindowBudget[];
  };
  /** Channels this kind may be contacted on; voice is never honoured for consumers. */
  channels: readonly Channel[];
  voice: { budgets: readonly WindowBudget[] };
  /** Calls only on these ISO weekdays (1 = Monday) within start..end local time. */
  businessHours: { days: readonly number[]; start: string; end: string };
  /** No message may arrive between start and end local time. */
  quietHours: ClockRange;
  fatigue: { ignoredInARow: number; maxMultiplier: number };
  review: { minScore: number; negativeMaxScore: number; maxReminders: number };
  announcementNoticeDays: number;
  lapseDays: number;
  /** Budget waits up to this long become a defer; longer waits become a skip. */
  deferHorizonDays: number;
}

export interface DecisionInput {
  customer: CustomerFacts;
  consent: ConsentState;
  preferences?: CustomerPreferences | null;
  history: readonly ContactRecord[];
  suppression?: Suppression | null;
  message: CampaignMessage;
  policy: ContactPolicy;
  now: Instant;
}

export interface SendDecision {
  kind: 'send';
  channel: Channel;
  notBefore: Date;
  policyVersion: number;
  reason?: ReasonCode;
  detail?: string;
}

export interface DeferDecision {
  kind: 'defer';
  until: Date;
  reason: ReasonCode;
  /** Present for quiet_hours/outside_business_hours: a firm plan on this channel at `until`. */
  channel?: Channel;
  policyVersion: number;
  nextEligibleAt?: Date;
  detail?: string;
  winnerCampaignId?: string;
}

export interface SkipDecision {
  kind: 'skip';
  reason: ReasonCode;
  policyVersion: number;
  nextEligibleAt?: Date;
  detail?: string;
  winnerCampaignId?: string;
}

export type Decision = SendDecision | DeferDecision | SkipDecision;
