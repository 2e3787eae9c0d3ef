import { csrfTokenFor, csrfTokenValid } from './csrf';

const SECRET = 'a-secret-of-at-least-32-characters-long';
const OLD = 'an-older-secret-of-at-least-32-characters';

describe('preference form CSRF token', () => {
  it('is bound to the link token and the secret', () => {
    const token = csrfTokenFor(SECRET, 'link-a');
    expect(csrfTokenValid([SECRET], 'link-a', token)).toBe(true);
    expect(csrfTokenValid([SECRET], 'link-b', token)).toBe(false);
    expect(csrfTokenValid(['another-secret-of-at-least-32-characters'], 'link-a', token)).toBe(
      false,
    );
  });

  it('refuses missing, empty, altered and oversized values', () => {
    const token = csrfTokenFor(SECRET, 'link-a');
    expect(csrfTokenValid([SECRET], 'link-a', undefined)).toBe(false);
    expect(csrfTokenValid([SECRET], 'link-a', '')).toBe(false);
    expect(csrfTokenValid([SECRET], 'link-a', ['x'])).toBe(false);
    expect(
      csrfTokenValid([SECRET], 'link-a', token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')),
    ).toBe(false);
    expect(csrfTokenValid([SECRET], 'link-a', token.repeat(5))).toBe(false);
  });

  it('keeps pages rendered before a secret rotation working', () => {
    const token = csrfTokenFor(OLD, 'link-a');
    expect(csrfTokenValid([SECRET, OLD], 'link-a', token)).toBe(true);
  });
});
