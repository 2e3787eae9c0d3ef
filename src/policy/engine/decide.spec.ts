import { decide } from './decide';
import { DEFAULT_POLICIES } from './default-policies';
import { at, contact, customer, DAY, grant, input, local, message } from './testing/fixtures';
import type { CustomerKind, Decision, DecisionInput } from './types';

const KINDS: CustomerKind[] = ['consumer', 'business'];
const MSK = 'Europe/Moscow';
// Wednesday noon in Moscow: inside every send window.
const NOON = at('2026-06-10T12:00', MSK);

function forKind(kind: CustomerKind, overrides: Partial<DecisionInput> = {}): DecisionInput {
  const c = customer({ kind, ...(overrides.customer ?? {}) });
  return input({ now: NOON, ...overrides, customer: c, policy: DEFAULT_POLICIES[kind] });
}

function expectSend(d: Decision, channel: string): void {
  expect(d).toMatchObject({ kind: 'send', channel, policyVersion: 1 });
}

describe('decide: suppression', () => {
  it.each(KINDS)(
    'skips a suppressed %s before any other rule, even when paused and unconsented',
    (kind) => {
      const d = decide(
        forKind(kind, {
          suppression: { suppressed: true, reason: 'hard_bounce' },
          consent: { entries: [] },
          preferences: { pausedUntil: NOON + 30 * DAY },
        }),
      );
      expect(d).toEqual({
        kind: 'skip',
        reason: 'suppressed',
        policyVersion: 1,
        detail: 'hard_bounce',
      });
    },
  );

  it('suppression beats announcements too', () => {
    const d = decide(
      forKind('consumer', {
        suppression: { suppressed: true, reason: 'erasure' },
        message: announcement(),
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'suppressed' });
  });
});

describe('decide: consent for marketing', () => {
  const cases: [string, DecisionInput['consent'], Decision['kind'], string][] = [
    ['no consent at all', { entries: [] }, 'skip', 'no_consent'],
    [
      'a consent for another topic only',
      { entries: [grant('email', 'tips'), grant('sms', 'tips')] },
      'skip',
      'no_consent',
    ],
    [
      'an email consent awaiting double opt-in (and no sms)',
      { entries: [grant('email', '*', false)], doubleOptIn: { email: true } },
      'skip',
      'consent_unconfirmed',
    ],
    [
      'consent withdrawn for every topic',
      { entries: [{ channel: 'email', topic: '*', status: 'withdrawn' }] },
      'skip',
      'consent_withdrawn',
    ],
    [
      'topic withdrawn while "*" is still granted',
      {
        entries: [grant('email'), { channel: 'email', topic: 'offers', status: 'withdrawn' }],
      },
      'skip',
      'consent_withdrawn',
    ],
    [
      '"*" withdrawn after the topic was granted',
      {
        entries: [
          { ...grant('email', 'offers'), since: NOON - 10 * DAY },
          { channel: 'email', topic: '*', status: 'withdrawn', since: NOON - DAY },
        ],
      },
      'skip',
      'consent_withdrawn',
    ],
    [
      'topic granted again after "*" was withdrawn',
      {
        entries: [
          { channel: 'email', topic: '*', status: 'withdrawn', since: NOON - 10 * DAY },
          { ...grant('email', 'offers'), since: NOON - DAY },
        ],
      },
      'send',
      'email',
    ],
    ['a confirmed topic consent', { entries: [grant('email', 'offers')] }, 'send', 'email'],
    [
      'a granted consent where double opt-in is not required',
      { entries: [grant('email', 'offers', false)], doubleOptIn: { email: false } },
      'send',
      'email',
    ],
  ];
  for (const kind of KINDS) {
    it.each(cases)(`${kind}: %s → %s %s`, (_name, consent, outcome, reasonOrChannel) => {
      const d = decide(forKind(kind, { consent }));
      if (outcome === 'send') expectSend(d, reasonOrChannel);
      else expect(d).toMatchObject({ kind: outcome, reason: reasonOrChannel });
    });
  }

  it('falls back to sms when email is only awaiting confirmation', () => {
    const d = decide(
      forKind('consumer', {
        consent: {
          entries: [grant('email', '*', false), grant('sms')],
          doubleOptIn: { email: true },
        },
      }),
    );
    expectSend(d, 'sms');
  });

  it('reports the most informative reason when no channel works', () => {
    const d = decide(
      forKind('consumer', {
        customer: customer({ hasPhone: false }),
        consent: { entries: [grant('email', '*', false)], doubleOptIn: { email: true } },
      }),
    );
    expect(d).toMatchObject({
      kind: 'skip',
      reason: 'consent_unconfirmed',
      detail: 'email: consent_unconfirmed; sms: unreachable',
    });
  });

  it.each(KINDS)(
    'skips a %s topic the customer opted out of in preferences as consent_withdrawn',
    (kind) => {
      const d = decide(forKind(kind, { preferences: { topicOptOuts: ['offers'] } }));
      expect(d).toMatchObject({ kind: 'skip', reason: 'consent_withdrawn' });
    },
  );
});

describe('decide: channel choice', () => {
  it.each(KINDS)('skips an unreachable %s (no email, no phone)', (kind) => {
    const d = decide(
      forKind(kind, { customer: customer({ kind, hasEmail: false, hasPhone: false }) }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'unreachable' });
  });

  it.each(KINDS)('falls back down the campaign list for a %s without email', (kind) => {
    const d = decide(forKind(kind, { customer: customer({ kind, hasEmail: false }) }));
    expectSend(d, 'sms');
  });

  it('follows the customer preferred order among the campaign channels', () => {
    const d = decide(forKind('consumer', { preferences: { preferredChannels: ['sms', 'email'] } }));
    expectSend(d, 'sms');
  });

  it('never uses a channel outside the customer preferred list: channel_not_allowed', () => {
    const d = decide(
      forKind('consumer', {
        preferences: { preferredChannels: ['voice'] },
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'channel_not_allowed' });
  });

  it('never calls a consumer, even when the campaign only allows voice', () => {
    const d = decide(forKind('consumer', { message: message({ channels: ['voice'] }) }));
    expect(d).toMatchObject({
      kind: 'skip',
      reason: 'channel_not_allowed',
      detail: 'voice: channel_not_allowed',
    });
  });

  it('never calls a consumer even when a (bad) policy lists voice', () => {
    const policy = { ...DEFAULT_POLICIES.consumer, channels: ['email', 'sms', 'voice'] as const };
    const d = decide(forKind('consumer', { message: message({ channels: ['voice', 'email'] }) }));
    const d2 = decide({
      ...forKind('consumer', { message: message({ channels: ['voice', 'email'] }) }),
      policy: { ...policy, channels: [...policy.channels] },
    });
    expectSend(d, 'email');
    expectSend(d2, 'email');
  });

  it('calls a business contact on a weekday at noon', () => {
    const d = decide(forKind('business', { message: message({ channels: ['voice', 'email'] }) }));
    expectSend(d, 'voice');
  });

  it('does not call a business contact without an account manager phone', () => {
    const d = decide(
      forKind('business', {
        customer: customer({ kind: 'business', hasAccountManagerPhone: false }),
        message: message({ channels: ['voice'] }),
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'unreachable' });
  });

  it('falls back to email when the business voice budget (1 per 90 days) is spent', () => {
    const d = decide(
      forKind('business', {
        message: message({
          channels: ['voice', 'email'],
          category: 'service',
          goal: 'care',
          topic: 'care',
        }),
        history: [
          contact(NOON - 40 * DAY, { channel: 'voice', category: 'service', topic: 'care' }),
        ],
      }),
    );
    expectSend(d, 'email');
  });

  it('skips a voice-only campaign while the voice budget is spent, naming when it frees', () => {
    const last = NOON - 40 * DAY;
    const d = decide(
      forKind('business', {
        message: message({ channels: ['voice'], category: 'service', goal: 'care', topic: 'care' }),
        history: [contact(last, { channel: 'voice', category: 'service', topic: 'care' })],
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'budget_exhausted' });
    expect(d.kind === 'skip' && d.nextEligibleAt?.getTime()).toBe(last + 90 * DAY);
  });
});

describe('decide: budgets (sliding windows)', () => {
  it('skips a consumer promotion 10 days after the last one, eligible 180 days after it', () => {
    const last = NOON - 10 * DAY;
    const d = decide(forKind('consumer', { history: [contact(last)] }));
    expect(d).toMatchObject({ kind: 'skip', reason: 'budget_exhausted' });
    expect(d.kind === 'skip' && d.nextEligibleAt?.getTime()).toBe(last + 180 * DAY);
  });

  it('defers a business promotion 25 days after the last one until the 30-day window frees', () => {
    const last = NOON - 25 * DAY;
    const d = decide(forKind('business', { history: [contact(last)] }));
    expect(d).toMatchObject({ kind: 'defer', reason: 'budget_exhausted' });
    expect(d.kind === 'defer' && d.until.getTime()).toBe(last + 30 * DAY);
    expect(d.kind === 'defer' && d.channel).toBeUndefined();
  });

  it.each(KINDS)('sends a %s promotion once the window has passed', (kind) => {
    const d = decide(forKind(kind, { history: [contact(NOON - 181 * DAY)] }));
    expectSend(d, 'email');
  });

  it.each(KINDS)('%s: at most one message per day across categories', (kind) => {
    const last = NOON - 20 * 3_600_000;
    const d = decide(
      forKind(kind, {
        history: [contact(last, { category: 'service', topic: 'care', goal: 'care' })],
      }),
    );
    expect(d).toMatchObject({ kind: 'defer', reason: 'budget_exhausted' });
    expect(d.kind === 'defer' && d.until.getTime()).toBe(last + DAY);
  });

  it.each(KINDS)('%s: at most two messages per 7 days across categories', (kind) => {
    const history = [
      contact(NOON - 5 * DAY, { category: 'service', topic: 'care', goal: 'care' }),
      contact(NOON - 2 * DAY, { category: 'content', topic: 'tips' }),
    ];
    const d = decide(forKind(kind, { history }));
    expect(d).toMatchObject({ kind: 'defer', reason: 'budget_exhausted' });
    expect(d.kind === 'defer' && local(d.until, MSK)).toBe('2026-06-12 12:00 Fri');
  });

  it.each([
    ['consumer', 10, 'defer'],
    ['business', 5, 'defer'],
  ] as const)(
    '%s: service messages %i days apart are within the service budget → %s',
    (kind, days, outcome) => {
      const d = decide(
        forKind(kind, {
          message: message({
            category: 'service',
            goal: 'care',
            topic: 'care',
            channels: ['email'],
          }),
          history: [
            contact(NOON - days * DAY, { category: 'service', topic: 'care', goal: 'care' }),
          ],
        }),
      );
      expect(d).toMatchObject({ kind: outcome, reason: 'budget_exhausted' });
    },
  );

  it.each([
    ['quarter', 60, 'skip'],
    ['half_year', 100, 'skip'],
    ['year', 300, 'skip'],
    ['quarter', 95, 'send'],
  ] as const)(
    'a business customer asking "at most once a %s" with a message %i days ago → %s',
    (maxFrequency, days, outcome) => {
      const d = decide(
        forKind('business', {
          preferences: { maxFrequency },
          history: [contact(NOON - days * DAY, { category: 'content', topic: 'tips' })],
        }),
      );
      expect(d.kind).toBe(outcome);
      if (d.kind === 'skip') expect(d.reason).toBe('budget_exhausted');
    },
  );

  it('counts planned (future) contacts as well as past ones', () => {
    const d = decide(
      forKind('business', {
        history: [contact(NOON + 3 * 3_600_000, { category: 'content', topic: 'tips' })],
      }),
    );
    expect(d).toMatchObject({ kind: 'defer', reason: 'budget_exhausted' });
  });
});

describe('decide: content only at the subscribed topic cadence', () => {
  const tips = message({ topic: 'tips', category: 'content', cadenceDays: 30 });
  const consent = { entries: [grant('email', 'tips')] };

  it.each(KINDS)('%s: sends subscribed tips', (kind) => {
    expectSend(decide(forKind(kind, { message: tips, consent })), 'email');
  });

  it.each(KINDS)('%s: no tips without a subscription to the topic', (kind) => {
    const d = decide(
      forKind(kind, { message: tips, consent: { entries: [grant('email', 'offers')] } }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'no_consent' });
  });

  it.each(KINDS)(
    '%s: monthly tips 10 days after the last → skip until the cadence allows',
    (kind) => {
      const last = NOON - 10 * DAY;
      const d = decide(
        forKind(kind, {
          message: tips,
          consent,
          history: [contact(last, { category: 'content', topic: 'tips' })],
        }),
      );
      expect(d).toMatchObject({ kind: 'skip', reason: 'budget_exhausted' });
      expect(d.kind === 'skip' && d.nextEligibleAt?.getTime()).toBe(last + 30 * DAY);
    },
  );

  it.each(KINDS)('%s: content at most once per 7 days, whatever the topic', (kind) => {
    const last = NOON - 3 * DAY;
    const d = decide(
      forKind(kind, {
        message: tips,
        consent,
        history: [contact(last, { category: 'content', topic: 'stories' })],
      }),
    );
    expect(d).toMatchObject({ kind: 'defer', reason: 'budget_exhausted' });
    expect(d.kind === 'defer' && d.until.getTime()).toBe(last + 7 * DAY);
  });
});

describe('decide: fatigue back-off', () => {
  const tips = message({ topic: 'tips', category: 'content', cadenceDays: 30 });
  const consent = { entries: [grant('email', 'tips')] };
  const ignored = [95, 63, 31].map((d) =>
    contact(NOON - d * DAY, { category: 'content', topic: 'tips' }),
  );

  it.each(KINDS)('%s: after 3 ignored messages the 30-day cadence doubles to 60 days', (kind) => {
    const d = decide(forKind(kind, { message: tips, consent, history: ignored }));
    expect(d).toMatchObject({ kind: 'skip', reason: 'fatigue_backoff' });
    expect(d.kind === 'skip' && d.nextEligibleAt?.getTime()).toBe(NOON - 31 * DAY + 60 * DAY);
  });

  it('doubles again after a fourth ignored message, up to the cap', () => {
    const four = [...ignored, contact(NOON - 200 * DAY, { category: 'content', topic: 'tips' })];
    const d = decide(forKind('consumer', { message: tips, consent, history: four }));
    expect(d.kind === 'skip' && d.nextEligibleAt?.getTime()).toBe(NOON - 31 * DAY + 120 * DAY);
    const many = Array.from({ length: 9 }, (_, i) =>
      contact(NOON - (31 + i * 31) * DAY, { category: 'content', topic: 'tips' }),
    );
    const capped = decide(forKind('consumer', { message: tips, consent, history: many }));
    expect(capped.kind === 'skip' && capped.nextEligibleAt?.getTime()).toBe(
      NOON - 31 * DAY + 8 * 30 * DAY,
    );
  });

  it.each(KINDS)('%s: an engagement resets the back-off', (kind) => {
    const engaged = ignored.map((c, i) => (i === 2 ? { ...c, engaged: true } : c));
    expectSend(decide(forKind(kind, { message: tips, consent, history: engaged })), 'email');
  });

  it('a purchase after the ignored messages resets the back-off', () => {
    const d = decide(
      forKind('consumer', {
        customer: customer({ lastPurchaseAt: NOON - 5 * DAY }),
        message: tips,
        consent,
        history: ignored,
      }),
    );
    expectSend(d, 'email');
  });

  it('service messages do not count as ignored marketing', () => {
    const service = ignored.map((c) => ({ ...c, category: 'service' as const, topic: 'care' }));
    expectSend(decide(forKind('consumer', { message: tips, consent, history: service })), 'email');
  });
});

describe('decide: customer pause', () => {
  it.each(KINDS)(
    '%s: a pause skips with paused_by_customer and names the end of the pause',
    (kind) => {
      const until = NOON + 20 * DAY;
      const d = decide(forKind(kind, { preferences: { pausedUntil: until } }));
      expect(d).toEqual({
        kind: 'skip',
        reason: 'paused_by_customer',
        policyVersion: 1,
        nextEligibleAt: new Date(until),
      });
    },
  );

  it('a pause that has ended no longer matters', () => {
    expectSend(decide(forKind('consumer', { preferences: { pausedUntil: NOON - DAY } })), 'email');
  });
});

function announcement(days = 20): DecisionInput['message'] {
  const launched = at('2026-06-09T10:00', MSK);
  return message({
    campaignId: 'terms',
    topic: 'announcements',
    category: 'service',
    goal: 'announcement',
    launchedAt: launched,
    effectiveAt: launched + days * DAY,
  });
}

describe('decide: announcements', () => {
  it.each(KINDS)('%s: reach a customer without any marketing consent', (kind) => {
    expectSend(
      decide(forKind(kind, { message: announcement(), consent: { entries: [] } })),
      'email',
    );
  });

  it.each(KINDS)('%s: skip when the notice is shorter than 14 days: notice_too_short', (kind) => {
    const d = decide(forKind(kind, { message: announcement(10) }));
    expect(d).toMatchObject({ kind: 'skip', reason: 'notice_too_short' });
  });

  it('exactly 14 days of notice is enough', () => {
    expectSend(decide(forKind('consumer', { message: announcement(14) })), 'email');
  });

  it('skips an announcement without an effective date', () => {
    const d = decide(forKind('consumer', { message: { ...announcement(), effectiveAt: null } }));
    expect(d).toMatchObject({ kind: 'skip', reason: 'notice_too_short' });
  });

  it('respects an opt-out of the whole channel and falls back to sms', () => {
    const d = decide(
      forKind('consumer', {
        message: announcement(),
        consent: { entries: [{ channel: 'email', topic: '*', status: 'withdrawn' }] },
      }),
    );
    expectSend(d, 'sms');
  });

  it('skips with consent_withdrawn when every channel was opted out of', () => {
    const d = decide(
      forKind('consumer', {
        message: announcement(),
        consent: {
          entries: [
            { channel: 'email', topic: '*', status: 'withdrawn' },
            { channel: 'sms', topic: '*', status: 'withdrawn' },
          ],
        },
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'consent_withdrawn' });
  });

  it('ignores topic opt-outs and pauses: customers must learn of changes', () => {
    const d = decide(
      forKind('consumer', {
        message: announcement(),
        preferences: { topicOptOuts: ['announcements'], pausedUntil: NOON + 30 * DAY },
      }),
    );
    expectSend(d, 'email');
  });

  it('does not use the marketing budget', () => {
    const d = decide(
      forKind('consumer', { message: announcement(), history: [contact(NOON - 3 * DAY)] }),
    );
    expectSend(d, 'email');
  });

  it('skips when the budget would push it past the effective date', () => {
    const launched = NOON - 20 * DAY;
    const msg = { ...announcement(), launchedAt: launched, effectiveAt: NOON + 5 * DAY };
    const d = decide(
      forKind('consumer', {
        message: msg,
        history: [contact(NOON - 3 * DAY, { category: 'service', topic: 'care', goal: 'care' })],
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'notice_too_short' });
  });
});

describe('decide: review requests', () => {
  const review = message({
    campaignId: 'rev',
    topic: 'reviews',
    category: 'service',
    goal: 'review',
    step: 0,
  });
  const reminder = { ...review, step: 1, isReminder: true };
  const asked = contact(NOON - 15 * DAY, {
    campaignId: 'rev',
    step: 0,
    category: 'service',
    topic: 'reviews',
    goal: 'review',
  });

  it.each([
    ['score 5, one purchase', 5, 1, 'send'],
    ['score 4, one purchase', 4, 1, 'send'],
    ['no score, repeat purchase', null, 2, 'send'],
    ['score 3, one purchase', 3, 1, 'not_satisfied'],
    ['no score, one purchase', null, 1, 'not_satisfied'],
    ['score 2, even with repeat purchases', 2, 5, 'not_satisfied'],
    ['score 1', 1, 1, 'not_satisfied'],
  ] as const)('%s → %s', (_name, score, purchases, outcome) => {
    for (const kind of KINDS) {
      const d = decide(
        forKind(kind, {
          customer: customer({ kind, lastSatisfactionScore: score, purchaseCount: purchases }),
          message: review,
        }),
      );
      if (outcome === 'send') expectSend(d, 'email');
      else expect(d).toMatchObject({ kind: 'skip', reason: outcome });
    }
  });

  const happy = customer({ lastSatisfactionScore: 5 });
  it('sends one reminder after the request', () => {
    const d = decide(forKind('consumer', { customer: happy, message: reminder, history: [asked] }));
    expectSend(d, 'email');
  });

  it('never a second reminder: already_contacted', () => {
    const d = decide(
      forKind('consumer', {
        customer: happy,
        message: { ...reminder, step: 2 },
        history: [asked, { ...asked, at: NOON - 2 * DAY, step: 1, isReminder: true }],
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'already_contacted' });
  });

  it('no reminder when the customer already answered', () => {
    const d = decide(
      forKind('consumer', {
        customer: happy,
        message: reminder,
        history: [{ ...asked, engaged: true }],
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'already_contacted' });
  });

  it('no reminder without a request to remind about', () => {
    const d = decide(forKind('consumer', { customer: happy, message: reminder }));
    expect(d).toMatchObject({ kind: 'skip', reason: 'not_satisfied' });
  });
});

describe('decide: an open follow-up (an unhappy customer waits for a person)', () => {
  const waiting = (kind: CustomerKind) => customer({ kind, hasOpenFollowUp: true });

  it.each(KINDS)('%s: no promotion and no content, needs_attention', (kind) => {
    for (const m of [
      message(),
      message({ campaignId: 'tips', topic: 'tips', category: 'content' }),
    ]) {
      const d = decide(forKind(kind, { customer: waiting(kind), message: m }));
      expect(d).toMatchObject({ kind: 'skip', reason: 'needs_attention' });
    }
  });

  it.each(KINDS)('%s: service messages (an announcement, care) still go', (kind) => {
    expectSend(
      decide(forKind(kind, { customer: waiting(kind), message: announcement() })),
      'email',
    );
    const care = message({ campaignId: 'care', topic: 'care', category: 'service', goal: 'care' });
    expectSend(decide(forKind(kind, { customer: waiting(kind), message: care })), 'email');
  });

  it('suppression still wins, and the offer goes once nothing is open', () => {
    const suppressed = decide(
      forKind('consumer', {
        customer: waiting('consumer'),
        suppression: { suppressed: true, reason: 'complaint' },
      }),
    );
    expect(suppressed).toMatchObject({ kind: 'skip', reason: 'suppressed' });
    expectSend(
      decide(forKind('consumer', { customer: customer({ hasOpenFollowUp: false }) })),
      'email',
    );
  });
});

describe('decide: one message per campaign step, one win-back per lapse', () => {
  it.each(KINDS)('%s: already_contacted for the same campaign step', (kind) => {
    const d = decide(
      forKind(kind, { history: [contact(NOON - 400 * DAY, { campaignId: 'camp-1', step: 0 })] }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'already_contacted' });
  });

  it('another step of the same campaign is a new message', () => {
    const d = decide(
      forKind('consumer', {
        history: [contact(NOON - 400 * DAY, { campaignId: 'camp-1', step: 1 })],
      }),
    );
    expectSend(d, 'email');
  });

  const winback = message({ campaignId: 'wb-2', goal: 'winback' });
  const lapsed = customer({ lastPurchaseAt: NOON - 300 * DAY });

  it.each(KINDS)('%s: a second win-back in the same lapse is already_contacted', (kind) => {
    const d = decide(
      forKind(kind, {
        customer: { ...lapsed, kind },
        message: winback,
        history: [contact(NOON - 60 * DAY, { campaignId: 'wb-1', goal: 'winback' })],
      }),
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'already_contacted' });
  });

  it('a win-back from an earlier lapse does not count', () => {
    const d = decide(
      forKind('consumer', {
        customer: lapsed,
        message: winback,
        history: [contact(NOON - 400 * DAY, { campaignId: 'wb-1', goal: 'winback' })],
      }),
    );
    expectSend(d, 'email');
  });

  it('compares lapse ids when the caller tracks them', () => {
    const d = decide(
      forKind('consumer', {
        customer: { ...lapsed, lapseId: 'lapse-2' },
        message: winback,
        history: [
          contact(NOON - 200 * DAY, { campaignId: 'wb-1', goal: 'winback', lapseId: 'lapse-1' }),
        ],
      }),
    );
    expectSend(d, 'email');
  });
});
