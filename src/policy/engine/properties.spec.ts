import fc from 'fast-check';
import { DateTime } from 'luxon';
import { arbitrate, plannedContact } from './arbitrate';
import { decide } from './decide';
import { DEFAULT_POLICIES } from './default-policies';
import type {
  CampaignMessage,
  Channel,
  ConsentEntry,
  ContactPolicy,
  ContactRecord,
  DecisionInput,
  WindowBudget,
} from './types';

const DAY = 86_400_000;
const ZONES = [
  'Europe/Moscow',
  'America/New_York',
  'Europe/London',
  'Asia/Kolkata',
  'Asia/Kathmandu',
];
const CHANNELS: Channel[] = ['email', 'sms', 'voice'];
const TOPICS = ['tips', 'offers', 'care', 'reviews', 'announcements'];
const START = Date.UTC(2026, 0, 1);

const channelArb = fc.constantFrom<Channel>(...CHANNELS);
const consentArb = fc.array(
  fc.record({
    channel: channelArb,
    topic: fc.constantFrom('*', ...TOPICS),
    status: fc.constantFrom('granted', 'confirmed', 'withdrawn'),
  }) as fc.Arbitrary<ConsentEntry>,
  { maxLength: 5 },
);
const messageArb: fc.Arbitrary<CampaignMessage> = fc.record({
  campaignId: fc.constantFrom('a', 'b', 'c', 'd'),
  step: fc.nat(2),
  topic: fc.constantFrom(...TOPICS),
  category: fc.constantFrom('content', 'promotional', 'service'),
  cadenceDays: fc.option(fc.integer({ min: 1, max: 60 })),
  goal: fc.constantFrom('engagement', 'retention', 'winback', 'review', 'announcement', 'care'),
  channels: fc.uniqueArray(channelArb, { minLength: 1, maxLength: 3 }),
  priority: fc.nat(100),
  launchedAt: fc.constant(START),
  effectiveAt: fc.option(fc.integer({ min: START, max: START + 60 * DAY })),
  isReminder: fc.boolean(),
});
const nowArb = fc.integer({ min: START, max: START + 365 * DAY });
const historyArb = (now: number) =>
  fc.array(
    fc.record({
      at: fc.integer({ min: now - 400 * DAY, max: now + 3 * DAY }),
      channel: channelArb,
      category: fc.constantFrom('content', 'promotional', 'service'),
      topic: fc.constantFrom(...TOPICS),
      campaignId: fc.constantFrom('a', 'b', 'old'),
      step: fc.nat(2),
      engaged: fc.boolean(),
    }) as fc.Arbitrary<ContactRecord>,
    { maxLength: 12 },
  );

// A random valid policy: the defaults with random budgets, quiet hours and business hours.
const budgetsArb = fc.array(
  fc.record({ max: fc.integer({ min: 0, max: 3 }), windowDays: fc.integer({ min: 1, max: 200 }) }),
  { maxLength: 2 },
) as fc.Arbitrary<WindowBudget[]>;
const clock = fc.integer({ min: 0, max: 23 }).map((h) => `${String(h).padStart(2, '0')}:00`);
const policyArb = (kind: 'consumer' | 'business'): fc.Arbitrary<ContactPolicy> =>
  fc.oneof(
    fc.constant(DEFAULT_POLICIES[kind]),
    fc
      .record({
        promotional: budgetsArb,
        content: budgetsArb,
        service: budgetsArb,
        all: budgetsArb,
        qs: clock,
        qe: clock,
      })
      .map(({ qs, qe, ...budgets }) => ({
        ...DEFAULT_POLICIES[kind],
        version: 7,
        budgets,
        quietHours: { start: qs, end: qe },
        businessHours: { days: [1, 2, 3, 4, 5], start: '00:00', end: '24:00' },
      })),
  );

const inputArb: fc.Arbitrary<DecisionInput> = fc
  .record({ kind: fc.constantFrom('consumer', 'business'), now: nowArb })
  .chain(({ kind, now }) =>
    fc.record({
      customer: fc.record({
        id: fc.constant('c'),
        kind: fc.constant(kind),
        timezone: fc.constantFrom(...ZONES),
        hasEmail: fc.boolean(),
        hasPhone: fc.boolean(),
        hasAccountManagerPhone: fc.boolean(),
        purchaseCount: fc.nat(4),
        lastPurchaseAt: fc.option(fc.integer({ min: now - 400 * DAY, max: now })),
        lastSatisfactionScore: fc.option(fc.integer({ min: 1, max: 5 })),
      }),
      consent: fc.record({
        entries: consentArb,
        doubleOptIn: fc.record({ email: fc.boolean(), sms: fc.boolean() }),
      }),
      preferences: fc.option(
        fc.record({
          maxFrequency: fc.constantFrom('quarter', 'half_year', 'year', null),
          pausedUntil: fc.option(fc.integer({ min: now - 30 * DAY, max: now + 30 * DAY })),
          preferredChannels: fc.uniqueArray(channelArb, { maxLength: 3 }),
          topicOptOuts: fc.uniqueArray(fc.constantFrom(...TOPICS), { maxLength: 2 }),
        }),
      ),
      history: historyArb(now),
      suppression: fc.option(fc.record({ suppressed: fc.boolean() })),
      message: messageArb,
      policy: policyArb(kind),
      now: fc.constant(now),
    }),
  ) as fc.Arbitrary<DecisionInput>;

/** Independent oracle for promise 1: the latest state per scope; a withdrawal in scope wins. */
function hasMarketingConsent(input: DecisionInput, channel: Channel): boolean {
  const latest = new Map<string, ConsentEntry>();
  for (const e of input.consent.entries)
    if (e.channel === channel && (e.topic === '*' || e.topic === input.message.topic))
      latest.set(e.topic, e);
  const scope = [...latest.values()];
  if (scope.some((e) => e.status === 'withdrawn')) return false;
  const doi = input.consent.doubleOptIn?.[channel] === true;
  return scope.some((e) => e.status === 'confirmed' || (e.status === 'granted' && !doi));
}

function planned(d: ReturnType<typeof decide>): { channel: Channel; at: number } | null {
  if (d.kind === 'send') return { channel: d.channel, at: d.notBefore.getTime() };
  if (d.kind === 'defer' && d.channel !== undefined)
    return { channel: d.channel, at: d.until.getTime() };
  return null;
}

function minuteOf(clock: string): number {
  return clock === '24:00' ? 1440 : Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
}

/** Independent oracle for the send window, computed with luxon. */
function insideWindow(input: DecisionInput, channel: Channel, atMs: number): boolean {
  const t = DateTime.fromMillis(atMs, { zone: input.customer.timezone });
  const m = t.hour * 60 + t.minute;
  const qs = minuteOf(input.policy.quietHours.start);
  const qe = minuteOf(input.policy.quietHours.end);
  const quiet = qs === qe ? false : qs < qe ? m >= qs && m < qe : m >= qs || m < qe;
  if (quiet) return false;
  if (channel !== 'voice') return true;
  const bh = input.policy.businessHours;
  return bh.days.includes(t.weekday) && m >= minuteOf(bh.start) && m < minuteOf(bh.end);
}

describe('properties of decide', () => {
  it('never sends marketing without a live consent for the channel and topic', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const p = planned(decide(input));
        if (p !== null && input.message.category !== 'service')
          expect(hasMarketingConsent(input, p.channel)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('never calls a consumer', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decide(input);
        if (input.customer.kind === 'consumer') expect(planned(d)?.channel).not.toBe('voice');
      }),
      { numRuns: 2000 },
    );
  });

  it('every notBefore (and every firm defer) falls inside an allowed local window', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const p = planned(decide(input));
        if (p !== null) expect(insideWindow(input, p.channel, p.at)).toBe(true);
        if (p !== null) expect(p.at).toBeGreaterThanOrEqual(input.now as number);
      }),
      { numRuns: 3000 },
    );
  });

  it('is deterministic: the same input (or a deep copy) gives the same decision', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const first = decide(input);
        expect(decide(input)).toEqual(first);
        expect(decide(structuredClone(input))).toEqual(first);
      }),
      { numRuns: 1000 },
    );
  });

  it('suppression beats everything', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decide({ ...input, suppression: { suppressed: true } });
        expect(d).toMatchObject({ kind: 'skip', reason: 'suppressed' });
      }),
      { numRuns: 300 },
    );
  });
});

function budgetsFor(
  policy: ContactPolicy,
): [string, (r: ContactRecord) => boolean, WindowBudget][] {
  const rows: [string, (r: ContactRecord) => boolean, WindowBudget][] = [];
  for (const b of policy.budgets.all) rows.push(['all', () => true, b]);
  for (const cat of ['content', 'promotional', 'service'] as const)
    for (const b of policy.budgets[cat]) rows.push([cat, (r) => r.category === cat, b]);
  for (const b of policy.voice.budgets) rows.push(['voice', (r) => r.channel === 'voice', b]);
  return rows;
}

describe('replaying a simulated year', () => {
  it('never exceeds any budget window, with several campaigns arbitrated each day', () => {
    const dayArb = fc.record({
      hour: fc.integer({ min: 0, max: 23 }),
      campaigns: fc.array(messageArb, { minLength: 1, maxLength: 3 }),
      engaged: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.constantFrom('consumer', 'business'),
        fc.constantFrom(...ZONES),
        fc.array(dayArb, { minLength: 365, maxLength: 365 }),
        (kind, timezone, days) => {
          const policy = DEFAULT_POLICIES[kind];
          const history: ContactRecord[] = [];
          const base: Omit<DecisionInput, 'message' | 'now' | 'history'> = {
            customer: {
              id: 'c',
              kind,
              timezone,
              hasEmail: true,
              hasPhone: true,
              hasAccountManagerPhone: true,
              purchaseCount: 3,
              lastSatisfactionScore: 5,
            },
            consent: {
              entries: CHANNELS.map((channel) => ({ channel, topic: '*', status: 'confirmed' })),
            },
            policy,
          };
          days.forEach((day, i) => {
            const now = START + i * DAY + day.hour * 3_600_000;
            const results = arbitrate(
              day.campaigns.map((m, j) => ({
                ...base,
                message: {
                  ...m,
                  campaignId: `${m.campaignId}-${i}-${j}`,
                  launchedAt: now - 20 * DAY,
                  effectiveAt: now + 30 * DAY,
                },
                history,
                now,
              })),
            );
            for (const r of results) {
              const c = plannedContact(r.input, r.decision);
              if (c !== null) history.push({ ...c, engaged: day.engaged });
            }
          });
          const times = (pred: (r: ContactRecord) => boolean) =>
            history
              .filter(pred)
              .map((r) => (typeof r.at === 'number' ? r.at : r.at.getTime()))
              .sort((a, b) => a - b);
          for (const [name, pred, budget] of budgetsFor(policy)) {
            const ts = times(pred);
            for (let k = 0; k + budget.max < ts.length; k++) {
              const span = ts[k + budget.max] - ts[k];
              if (span < budget.windowDays * DAY)
                throw new Error(
                  `${name}: ${budget.max + 1} contacts within ${budget.windowDays} days`,
                );
            }
          }
          if (kind === 'consumer') expect(history.some((r) => r.channel === 'voice')).toBe(false);
        },
      ),
      { numRuns: 25 },
    );
  });
});
