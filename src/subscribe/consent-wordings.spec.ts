import { consentWording, wordingProblem } from './consent-wordings';

describe('consent wordings registry (templates/wordings/consent-wordings.json)', () => {
  it('knows the form version in both languages and fills in company and topics', () => {
    expect(wordingProblem('newsletter-form-2026-01', 'ru')).toBeNull();
    expect(wordingProblem('newsletter-form-2026-01', 'en')).toBeNull();
    expect(
      consentWording('newsletter-form-2026-01', 'en', {
        company: 'Acme <b>',
        topics: ['Tips', 'Offers'],
      }),
    ).toBe('Yes, I want to receive e-mail from Acme <b> about: Tips, Offers.');
  });

  it('names the field for an unknown version, whatever it contains', () => {
    expect(wordingProblem('made-up', 'ru')).toBe(
      'wordingVersion "made-up" is not a known consent wording',
    );
    expect(wordingProblem('a\u0000b', 'ru')).toMatch(/^wordingVersion /);
    expect(wordingProblem('$comment', 'ru')).toMatch(/^wordingVersion /);
    expect(wordingProblem('__proto__', 'en')).toMatch(/^wordingVersion /);
    expect(wordingProblem('x'.repeat(10_000), 'en')!.length).toBeLessThan(200);
    expect(() => consentWording('made-up', 'ru', { company: 'A', topics: [] })).toThrow();
  });
});
