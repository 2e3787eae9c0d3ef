import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const keyOf = (secret: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'tactful/preferences', 'csrf:v1', 32));

const mac = (key: Buffer, linkToken: string): string =>
  createHmac('sha256', key).update(`csrf:v1:${linkToken}`, 'utf8').digest('base64url');

/**
 * The preference form's CSRF token: an HMAC of the page's link token under a key derived from
 * TACTFUL_SECRET. Another site can neither read nor compute it, and no cookie is needed.
 */
export function csrfTokenFor(secret: string, linkToken: string): string {
  return mac(keyOf(secret), linkToken);
}

/** True when `given` is the CSRF token of this link under the current or a previous secret. */
export function csrfTokenValid(
  secrets: readonly string[],
  linkToken: string,
  given: unknown,
): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 100) return false;
  const givenBuf = Buffer.from(given);
  return secrets.some((secret) => {
    const expected = Buffer.from(csrfTokenFor(secret, linkToken));
    return expected.length === givenBuf.length && timingSafeEqual(expected, givenBuf);
  });
}
