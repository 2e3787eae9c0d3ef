import { coversPerson, suppressedFor } from './suppression.service';

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
    expect(suppressedFor('email', { email: 'hard_bounce' })).toBe(true);
    expect(suppressedFor('phone', { phone: 'hard_bounce' })).toBe(true);
    expect(suppressedFor('email', {})).toBe(false);
  });

  it('stops the other channel only for a person-wide reason', () => {
    expect(suppressedFor('phone', { email: 'complaint' })).toBe(true);
    expect(suppressedFor('email', { phone: 'do_not_contact' })).toBe(true);
    expect(suppressedFor('phone', { email: 'hard_bounce' })).toBe(false);
    expect(suppressedFor('email', { phone: 'hard_bounce' })).toBe(false);
  });
});
