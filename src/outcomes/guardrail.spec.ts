import { evaluateGuardrail, pausedReasonOf, withDefaults } from './guardrail';

const DEFAULTS = { maxComplaintRate: 0.003, maxUnsubscribeRate: 0.01, minDelivered: 200 };

describe('guardrail', () => {
  it('collects until minDelivered, whatever the rates', () => {
    expect(
      evaluateGuardrail(DEFAULTS, { delivered: 199, complained: 50, unsubscribed: 50 }).state,
    ).toBe('collecting');
  });

  it('trips when a rate is over its limit, and says which with the figures', () => {
    const s = evaluateGuardrail(DEFAULTS, { delivered: 1000, complained: 4, unsubscribed: 10 });
    expect(s).toMatchObject({ state: 'tripped', breached: ['complaints'], complaintRate: 0.004 });
    expect(pausedReasonOf(s)).toBe(
      'guardrail: complaint rate 0.40% over the limit 0.30% after 1000 delivered',
    );
    // Exactly at the limit is still within it.
    expect(
      evaluateGuardrail(DEFAULTS, { delivered: 1000, complained: 3, unsubscribed: 10 }).state,
    ).toBe('ok');
    expect(
      evaluateGuardrail(DEFAULTS, { delivered: 1000, complained: 0, unsubscribed: 11 }).breached,
    ).toEqual(['unsubscribes']);
  });

  it("takes the campaign's own limits over the defaults, field by field", () => {
    expect(withDefaults({ minDelivered: 50 }, DEFAULTS)).toEqual({ ...DEFAULTS, minDelivered: 50 });
    expect(withDefaults(null, DEFAULTS)).toEqual(DEFAULTS);
    expect(withDefaults({ acknowledgedDelivered: 120 }, DEFAULTS).minDelivered).toBe(320);
  });
});
