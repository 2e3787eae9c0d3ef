import { intersectWindow, windowOutsideQuietHours, type SendWindow } from './send-window';
import { DAY_MS, parseClock } from './time';
import type { Channel, ContactPolicy, WindowBudget } from './types';

/** A budget with its window in ms, ready for epoch arithmetic. */
export interface MsBudget {
  max: number;
  windowMs: number;
}

/** Derived, parse-once view of a policy; cached per policy object. */
export interface CompiledPolicy {
  promotional: readonly MsBudget[];
  content: readonly MsBudget[];
  service: readonly MsBudget[];
  all: readonly MsBudget[];
  voice: readonly MsBudget[];
  /** Shortest interval between two messages of a category, the base of fatigue back-off. */
  promotionalIntervalMs: number;
  contentIntervalMs: number;
  channelAllowed: Readonly<Record<Channel, boolean>>;
  messageWindow: SendWindow;
  voiceWindow: SendWindow;
  noticeMs: number;
  lapseMs: number;
  horizonMs: number;
}

const cache = new WeakMap<ContactPolicy, CompiledPolicy>();

function toMsBudgets(budgets: readonly WindowBudget[]): MsBudget[] {
  return budgets.map((b) => ({ max: b.max, windowMs: b.windowDays * DAY_MS }));
}

function interval(budgets: readonly MsBudget[]): number {
  let best = 0;
  for (const b of budgets) if (b.max > 0) best = Math.max(best, b.windowMs / b.max);
  return best;
}

/** Policies are treated as immutable: a saved policy is a new version, hence a new object. */
export function compilePolicy(policy: ContactPolicy): CompiledPolicy {
  const hit = cache.get(policy);
  if (hit !== undefined) return hit;
  const messageWindow = windowOutsideQuietHours(
    parseClock(policy.quietHours.start),
    parseClock(policy.quietHours.end),
  );
  const bh = policy.businessHours;
  const promotional = toMsBudgets(policy.budgets.promotional);
  const content = toMsBudgets(policy.budgets.content);
  const compiled: CompiledPolicy = {
    promotional,
    content,
    service: toMsBudgets(policy.budgets.service),
    all: toMsBudgets(policy.budgets.all),
    voice: toMsBudgets(policy.voice.budgets),
    promotionalIntervalMs: interval(promotional),
    contentIntervalMs: interval(content),
    channelAllowed: {
      email: policy.channels.includes('email'),
      sms: policy.channels.includes('sms'),
      // Promise 3: no voice call to a consumer, whatever the policy says.
      voice: policy.kind === 'business' && policy.channels.includes('voice'),
    },
    messageWindow,
    voiceWindow: intersectWindow(messageWindow, bh.days, parseClock(bh.start), parseClock(bh.end)),
    noticeMs: policy.announcementNoticeDays * DAY_MS,
    lapseMs: policy.lapseDays * DAY_MS,
    horizonMs: policy.deferHorizonDays * DAY_MS,
  };
  cache.set(policy, compiled);
  return compiled;
}
