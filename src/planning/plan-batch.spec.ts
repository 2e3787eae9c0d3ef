import { DEFAULT_POLICIES } from '../policy/engine';
import { contact, customer, DAY, grant, message } from '../policy/engine/testing/fixtures';
import type { CustomerDecisionContext } from './decision-context.loader';
import { planBatch, type PlanItem } from './plan-batch';

const NOW = new Date('2026-06-10T09:00:00Z'); // 12:00 in Moscow

function ctx(
  id: string,
  overrides: Partial<CustomerDecisionContext> = {},
): CustomerDecisionContext {
  return {
    customer: customer({ id }),
    consent: { entries: [{ ...grant('email'), eventId: '42' }], doubleOptIn: { email: true } },
    preferences: null,
    history: [],
    suppression: null,
    ...overrides,
  };
}

const item = (customerId: string, overrides: Partial<PlanItem> = {}): PlanItem => ({
  customerId,
  message: message({ campaignId: 'camp', channels: ['email'] }),
  at: NOW,
  templateName: 'tpl',
  templateVersion: 2,
  ...overrides,
});

describe('planBatch', () => {
  it('a send becomes a delivery with the consent row it relied on; a skip has no delivery', () => {
    const contexts = new Map([
      ['a', ctx('a')],
      ['b', ctx('b', { consent: { entries: [] } })],
    ]);
    const out = planBatch([item('a'), item('b'), item('missing')], contexts, DEFAULT_POLICIES);
    expect(out.counts).toEqual({ send: 1, defer: 0, skip: 1 });
    expect(out.deliveries).toEqual([
      expect.objectContaining({
        customerId: 'a',
        channel: 'email',
        notBefore: NOW,
        consentEventId: '42',
        templateVersion: 2,
        policyVersion: 1,
      }),
    ]);
    expect(out.audits.map((a) => [a.customerId, a.type, a.reason])).toEqual([
      ['a', 'decision.send', null],
      ['b', 'decision.skip', 'no_consent'],
    ]);
    expect(out.audits[0].deliveryId).toBe(out.deliveries[0].id);
  });

  it('delivery ids are time-ordered uuid v7: their millisecond prefixes never go down', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const out = planBatch(
      ids.map((id) => item(id)),
      new Map(ids.map((id) => [id, ctx(id)])),
      DEFAULT_POLICIES,
    );
    const keys = out.deliveries.map((d) => d.id);
    expect(keys).toHaveLength(4);
    for (const k of keys)
      expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const prefixes = keys.map((k) => k.replace('-', '').slice(0, 12));
    expect([...prefixes].sort()).toEqual(prefixes);
    const ms = parseInt(prefixes[0], 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
    expect(new Set(keys).size).toBe(4);
  });

  it('a budget defer keeps its reservation: a delivery on the channel at the deferred time', () => {
    // A content message 3 days ago: the 7-day content budget frees up in 4 days.
    const contexts = new Map([
      [
        'a',
        ctx('a', {
          history: [contact(NOW.getTime() - 3 * DAY, { category: 'content', topic: 'tips' })],
        }),
      ],
    ]);
    const out = planBatch(
      [
        item('a', {
          message: message({
            campaignId: 'camp',
            topic: 'tips',
            category: 'content',
            channels: ['email'],
          }),
        }),
      ],
      contexts,
      DEFAULT_POLICIES,
    );
    expect(out.audits[0]).toEqual(
      expect.objectContaining({
        type: 'decision.defer',
        reason: 'budget_exhausted',
        channel: 'email',
      }),
    );
    expect(out.deliveries).toHaveLength(1);
    expect(out.deliveries[0].notBefore.getTime()).toBeGreaterThanOrEqual(NOW.getTime() + 4 * DAY);
  });

  it('two items of one customer in a batch see each other', () => {
    const contexts = new Map([['a', ctx('a')]]);
    const m = message({ campaignId: 'camp', channels: ['email'] });
    const out = planBatch(
      [item('a', { message: { ...m, step: 1 } }), item('a', { message: { ...m, step: 2 } })],
      contexts,
      DEFAULT_POLICIES,
    );
    // One promotional message per 180 days for a consumer: the second cannot also go.
    expect(out.deliveries).toHaveLength(1);
    expect(out.audits[1]).toEqual(
      expect.objectContaining({ type: 'decision.skip', reason: 'budget_exhausted' }),
    );
  });
});
