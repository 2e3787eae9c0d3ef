import { coversPerson, suppressedFor, type SuppressionHit } from './suppression.service';

const on = (type: SuppressionHit['type'], reason: SuppressionHit['reason']): SuppressionHit => ({
  type,
  reason,
});

describe('what a suppression covers', () => {
  it('a complaint, an erasure or do-not-contact covers the person; a hard bounce does not', () => {
    expect(['complaint', 'erasure', 'do_not_contact'].map(coversPerson)).toEqual([
      true,
      true,
      true,
    ]);
    expect(coversPerson('hard_bounce')).toBe(false);
  });

  it("stops the channel's own address for any reason", () => {
    expect(suppressedFor('email', [on('email', 'hard_bounce')])).toBe(true);
    expect(suppressedFor('phone', [on('phone', 'hard_bounce')])).toBe(true);
    expect(suppressedFor('email', [])).toBe(false);
  });

  it('stops the other channel only for a person-wide reason', () => {
    expect(suppressedFor('phone', [on('email', 'complaint')])).toBe(true);
    expect(suppressedFor('email', [on('phone', 'do_not_contact')])).toBe(true);
    expect(suppressedFor('phone', [on('email', 'hard_bounce')])).toBe(false);
    expect(suppressedFor('email', [on('phone', 'hard_bounce')])).toBe(false);
  });

  it('an address both bounced and complained about stops the other channel, in either order', () => {
    const bounceFirst = [on('email', 'hard_bounce'), on('email', 'complaint')];
    expect(suppressedFor('phone', bounceFirst)).toBe(true);
    expect(suppressedFor('phone', [...bounceFirst].reverse())).toBe(true);
  });
});
