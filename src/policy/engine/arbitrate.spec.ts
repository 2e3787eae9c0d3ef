import { arbitrate } from './arbitrate';
import { forecast } from './forecast';
import { at, contact, customer, DAY, input, message } from './testing/fixtures';

const NOON = at('2026-06-10T12:00', 'Europe/Moscow');

describe('arbitrate: campaigns competing for one customer', () => {
  const tips = message({ campaignId: 'tips', topic: 'tips', category: 'content', priority: 40 });
  const offer = message({ campaignId: 'offer', priority: 70 });

  it('lets the higher priority win and names it in the loser reason', () => {
    const [a, b] = arbitrate([
      input({ message: tips, now: NOON }),
      input({ message: offer, now: NOON }),
    ]);
    expect(b.decision).toMatchObject({ kind: 'send', channel: 'email' });
    expect(a.campaignId).toBe('tips');
    expect(a.decision).toMatchObject({
      kind: 'defer',
      reason: 'budget_exhausted',
      detail: 'outranked by campaign offer',
      winnerCampaignId: 'offer',
    });
  });

  it('breaks a priority tie by earlier launch, then by campaign id', () => {
    const early = message({ campaignId: 'z-early', priority: 50, launchedAt: NOON - 5 * DAY });
    const late = message({ campaignId: 'a-late', priority: 50, launchedAt: NOON - DAY });
    const [x, y] = arbitrate([
      input({ message: late, now: NOON }),
      input({ message: early, now: NOON }),
    ]);
    expect(y.decision.kind).toBe('send');
    expect(x.decision).toMatchObject({ reason: 'budget_exhausted', winnerCampaignId: 'z-early' });
    const [p, q] = arbitrate([
      input({ message: message({ campaignId: 'b' }), now: NOON }),
      input({ message: message({ campaignId: 'a' }), now: NOON }),
    ]);
    expect(q.decision.kind).toBe('send');
    expect(p.decision).toMatchObject({ winnerCampaignId: 'a' });
  });

  it('a loser that fails for its own reason keeps it', () => {
    const [a] = arbitrate([
      input({ message: tips, now: NOON, consent: { entries: [] } }),
      input({ message: offer, now: NOON }),
    ]);
    expect(a.decision).toMatchObject({ kind: 'skip', reason: 'no_consent' });
  });

  it('a loser already out of budget before the winner does not blame it', () => {
    const history = [contact(NOON - 3 * DAY, { category: 'promotional' })];
    const [a] = arbitrate([
      input({ message: message({ campaignId: 'second-offer', priority: 10 }), history, now: NOON }),
      input({
        message: message({
          campaignId: 'care',
          category: 'service',
          goal: 'care',
          topic: 'care',
          priority: 90,
        }),
        history,
        now: NOON,
      }),
    ]);
    expect(a.decision).toMatchObject({ kind: 'skip', reason: 'budget_exhausted' });
    expect(a.decision).not.toHaveProperty('winnerCampaignId');
  });

  it('a winner deferred by quiet hours still holds the budget for the night', () => {
    const night = at('2026-06-10T23:30', 'Europe/Moscow');
    const [a, b] = arbitrate([
      input({ message: tips, now: night }),
      input({ message: offer, now: night }),
    ]);
    expect(b.decision).toMatchObject({ kind: 'defer', reason: 'quiet_hours', channel: 'email' });
    expect(a.decision).toMatchObject({ reason: 'budget_exhausted', winnerCampaignId: 'offer' });
  });
});

describe('forecast', () => {
  it('counts outcomes by kind and reason with the earliest and latest send times', () => {
    const morning = at('2026-06-10T07:00', 'Europe/Moscow');
    const audience = [
      input({ now: NOON }),
      input({ now: NOON, customer: customer({ id: 'b', timezone: 'Asia/Kolkata' }) }),
      input({ now: morning }),
      input({ now: NOON, consent: { entries: [] } }),
      input({ now: NOON, consent: { entries: [] } }),
      input({ now: NOON, suppression: { suppressed: true } }),
      input({ now: NOON, history: [contact(NOON - 20 * 3_600_000, { category: 'service' })] }),
    ];
    const result = forecast(audience);
    expect(result).toMatchObject({
      audience: 7,
      send: 2,
      defer: 2,
      skip: { no_consent: 2, suppressed: 1 },
      deferReasons: { quiet_hours: 1, budget_exhausted: 1 },
    });
    expect(result.earliestSendAt?.toISOString()).toBe(
      new Date(at('2026-06-10T09:00', 'Europe/Moscow')).toISOString(),
    );
    expect(result.latestSendAt?.toISOString()).toBe(new Date(NOON).toISOString());
  });

  it('an empty audience has no send times', () => {
    expect(forecast([])).toEqual({
      audience: 0,
      send: 0,
      defer: 0,
      skip: {},
      deferReasons: {},
      earliestSendAt: null,
      latestSendAt: null,
      channels: {},
    });
  });
});
