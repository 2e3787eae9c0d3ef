import { Clock } from '../common/clock';
import { keyIdFor, LinkTokenService } from './link-token.service';

class FixedClock extends Clock {
  constructor(public at: Date) {
    super();
  }
  now(): Date {
    return new Date(this.at);
  }
}

const SECRET = 'current-secret-0123456789abcdef0123456789';
const OLD = 'previous-secret-0123456789abcdef012345678';
const DAY = 86_400_000;
const scope = {
  purpose: 'unsubscribe' as const,
  customerId: '8d7f4c1e-3a1b-4c55-9f3e-2f6a1b0c9d11',
  channel: 'email' as const,
  topic: 'tips',
};

describe('LinkTokenService', () => {
  let clock: FixedClock;
  const service = (secret = SECRET, previousSecrets: string[] = []) =>
    new LinkTokenService({ secret, previousSecrets }, clock);
  beforeEach(() => {
    clock = new FixedClock(new Date('2026-03-01T10:00:00Z'));
  });

  /** Flips one character of a base64url segment to another valid one. */
  const flip = (s: string, at: number) =>
    s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);

  it('round-trips the scope, the delivery and the times; the token is URL-safe', () => {
    const s = service();
    const token = s.issue({ ...scope, deliveryId: 'dlv-42' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(250);
    expect(s.verify(token, 'unsubscribe')).toEqual({
      ...scope,
      deliveryId: 'dlv-42',
      issuedAt: new Date('2026-03-01T10:00:00Z'),
    });
  });

  it('keeps unsubscribe links working for years by default; confirm links expire after 7 days', () => {
    const s = service();
    const unsubscribe = s.issue(scope);
    const confirm = s.issue({ ...scope, purpose: 'confirm' });
    expect(s.verify(confirm, 'confirm')?.expiresAt).toEqual(new Date('2026-03-08T10:00:00Z'));
    clock.at = new Date(clock.at.getTime() + 3 * 365 * DAY);
    expect(s.verify(unsubscribe, 'unsubscribe')).not.toBeNull();
    expect(s.verify(confirm, 'confirm')).toBeNull();
  });

  it('refuses an expired token, accepting it until the moment it expires', () => {
    const s = service();
    const token = s.issue(scope, { ttlMs: 60 * DAY });
    clock.at = new Date(clock.at.getTime() + 60 * DAY - 1000);
    expect(s.verify(token, 'unsubscribe')).not.toBeNull();
    clock.at = new Date(clock.at.getTime() + 1000);
    expect(s.verify(token, 'unsubscribe')).toBeNull();
  });

  it('refuses a tampered payload, even when the change is well-formed', () => {
    const s = service();
    const [kid, body, sig] = s.issue(scope).split('.');
    const other = Buffer.from(
      Buffer.from(body, 'base64url').toString('utf8').replace('"tips"', '"*"'),
    ).toString('base64url');
    expect(s.verify(`${kid}.${other}.${sig}`, 'unsubscribe')).toBeNull();
    for (let i = 0; i < body.length; i += 7)
      expect(s.verify(`${kid}.${flip(body, i)}.${sig}`, 'unsubscribe')).toBeNull();
  });

  it('refuses a tampered signature, a non-canonical one and a missing one', () => {
    const s = service();
    const token = s.issue(scope);
    const [kid, body, sig] = token.split('.');
    for (let i = 0; i < sig.length; i++)
      expect(s.verify(`${kid}.${body}.${flip(sig, i)}`, 'unsubscribe')).toBeNull();
    expect(s.verify(`${kid}.${body}.`, 'unsubscribe')).toBeNull();
    expect(s.verify(`${kid}.${body}`, 'unsubscribe')).toBeNull();
    expect(s.verify(`${kid}.${body}.${sig}=`, 'unsubscribe')).toBeNull();
  });

  it('refuses truncated and garbage tokens without throwing', () => {
    const s = service();
    const token = s.issue(scope);
    for (const n of [0, 1, 8, 20, token.length - 1])
      expect(s.verify(token.slice(0, n), 'unsubscribe')).toBeNull();
    for (const junk of ['...', 'a.b.c', '%00', 'x'.repeat(5000), `${token}.x`])
      expect(s.verify(junk, 'unsubscribe')).toBeNull();
  });

  it('refuses a token of another purpose', () => {
    const s = service();
    expect(s.verify(s.issue({ ...scope, purpose: 'preferences' }), 'unsubscribe')).toBeNull();
    expect(s.verify(s.issue(scope), 'confirm')).toBeNull();
    expect(s.verify(s.issue(scope), 'preferences')).toBeNull();
  });

  it('accepts tokens signed with a previous secret after rotation, and signs with the new one', () => {
    const old = service(OLD).issue(scope);
    const rotated = service(SECRET, [OLD]);
    expect(rotated.verify(old, 'unsubscribe')).toMatchObject(scope);
    const fresh = rotated.issue(scope);
    expect(fresh.split('.')[0]).toBe(keyIdFor(SECRET));
    expect(fresh.split('.')[0]).not.toBe(keyIdFor(OLD));
    expect(service(SECRET).verify(fresh, 'unsubscribe')).toMatchObject(scope);
  });

  it('refuses a token whose key is unknown (retired secret, or a forged key id)', () => {
    const old = service(OLD).issue(scope);
    expect(service(SECRET).verify(old, 'unsubscribe')).toBeNull();
    const [, body, sig] = service().issue(scope).split('.');
    expect(service().verify(`${keyIdFor(OLD)}.${body}.${sig}`, 'unsubscribe')).toBeNull();
  });
});
