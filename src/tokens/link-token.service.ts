import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import type { Channel } from '../policy/engine';

export const LINK_PURPOSES = ['unsubscribe', 'preferences', 'confirm'] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

const CHANNELS: readonly Channel[] = ['email', 'sms', 'voice'];
const DAY_MS = 86_400_000;

/**
 * Default lifetime per purpose; null = no expiry. An unsubscribe link must keep working long
 * after the message was sent (RFC 8058 readers may press it weeks later; we promise ≥ 60 days).
 */
export const DEFAULT_TTL_MS: Record<LinkPurpose, number | null> = {
  unsubscribe: null,
  preferences: 365 * DAY_MS,
  confirm: 7 * DAY_MS,
};

/** What a link stands for. Everything here is signed; nothing is secret (no personal data). */
export interface LinkTokenPayload {
  purpose: LinkPurpose;
  customerId: string;
  channel: Channel;
  /** A topic key or '*'. */
  topic: string;
  deliveryId?: string;
  issuedAt: Date;
  expiresAt?: Date;
}

export interface IssueOptions {
  /** Overrides the purpose's default lifetime; null = never expires. */
  ttlMs?: number | null;
}

/** Longest token accepted before any decoding (a real one is ~200 characters). */
const MAX_TOKEN_LENGTH = 512;
const VERSION = 1;
const B64URL = /^[A-Za-z0-9_-]+$/;

interface SigningKey {
  kid: string;
  key: Buffer;
}

/** HKDF-SHA256 of a secret, separated by purpose string. */
const derive = (secret: string, info: string, length: number): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'tactful/link-token', info, length));

/** The key id names a secret without revealing it: an HKDF output of its own. */
export const keyIdFor = (secret: string): string => derive(secret, 'kid', 6).toString('base64url');

const keyFor = (secret: string): SigningKey => {
  const kid = keyIdFor(secret);
  return { kid, key: derive(secret, `hmac-sha256:v${VERSION}:${kid}`, 32) };
};

/**
 * Opaque, unforgeable links for e-mails (unsubscribe, preference page, double opt-in):
 * `<kid>.<base64url(compact payload)>.<base64url(HMAC-SHA256)>`. Tokens are signed with a key
 * derived from the current TACTFUL_SECRET and accepted when signed with it or with any secret in
 * TACTFUL_SECRET_PREVIOUS, so the secret can rotate without breaking links already sent.
 * Verification answers null for every kind of failure: callers reveal nothing about why.
 */
@Injectable()
export class LinkTokenService {
  private readonly current: SigningKey;
  private readonly keys: Map<string, Buffer>;

  constructor(
    @Inject(SETTINGS) settings: Pick<Settings, 'secret' | 'previousSecrets'>,
    private readonly clock: Clock,
  ) {
    this.current = keyFor(settings.secret);
    this.keys = new Map(
      [this.current, ...(settings.previousSecrets ?? []).map(keyFor)].map((k) => [k.kid, k.key]),
    );
  }

  issue(
    payload: Omit<LinkTokenPayload, 'issuedAt' | 'expiresAt'> & { expiresAt?: Date },
    options: IssueOptions = {},
  ): string {
    const issuedAt = this.clock.now();
    const ttl = options.ttlMs === undefined ? DEFAULT_TTL_MS[payload.purpose] : options.ttlMs;
    const expiresAt =
      payload.expiresAt ?? (ttl === null ? undefined : new Date(issuedAt.getTime() + ttl));
    if (!LINK_PURPOSES.includes(payload.purpose)) throw new Error('unknown link purpose');
    if (!CHANNELS.includes(payload.channel)) throw new Error('unknown channel');
    const compact = [
      VERSION,
      LINK_PURPOSES.indexOf(payload.purpose),
      payload.customerId,
      payload.channel,
      payload.topic,
      payload.deliveryId ?? null,
      Math.floor(issuedAt.getTime() / 1000),
      expiresAt ? Math.floor(expiresAt.getTime() / 1000) : null,
    ];
    const body = Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url');
    const signed = `${this.current.kid}.${body}`;
    return `${signed}.${this.sign(this.current.key, signed).toString('base64url')}`;
  }

  /**
   * The payload of a genuine, unexpired token of the expected purpose; otherwise null (forged,
   * altered, truncated, unknown key, expired, other purpose — callers must not tell them apart).
   */
  verify(token: string, purpose: LinkPurpose): LinkTokenPayload | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return null;
    const [kid, body, sig] = parts;
    const key = this.keys.get(kid);
    if (!key) return null;
    const expected = this.sign(key, `${kid}.${body}`);
    const given = Buffer.from(sig, 'base64url');
    // Re-encoding rejects non-canonical base64url (trailing bits) so a signature has one spelling.
    if (given.length !== expected.length || given.toString('base64url') !== sig) return null;
    if (!timingSafeEqual(given, expected)) return null;

    const payload = decode(body);
    if (!payload || payload.purpose !== purpose) return null;
    if (payload.expiresAt && payload.expiresAt.getTime() <= this.clock.now().getTime()) return null;
    return payload;
  }

  private sign(key: Buffer, data: string): Buffer {
    return createHmac('sha256', key).update(data, 'utf8').digest();
  }
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isSeconds = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Signed data is still checked for shape: a secret leak must not turn into a crash. */
function decode(body: string): LinkTokenPayload | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 8) return null;
  const [version, purpose, customerId, channel, topic, deliveryId, issuedAt, expiresAt] =
    parsed as unknown[];
  if (version !== VERSION) return null;
  if (typeof purpose !== 'number' || !LINK_PURPOSES[purpose]) return null;
  if (!isString(customerId) || !isString(topic)) return null;
  if (!CHANNELS.includes(channel as Channel)) return null;
  if (deliveryId !== null && !isString(deliveryId)) return null;
  if (!isSeconds(issuedAt) || (expiresAt !== null && !isSeconds(expiresAt))) return null;
  return {
    purpose: LINK_PURPOSES[purpose],
    customerId,
    channel: channel as Channel,
    topic,
    ...(deliveryId !== null ? { deliveryId } : {}),
    issuedAt: new Date(issuedAt * 1000),
    ...(expiresAt !== null ? { expiresAt: new Date(expiresAt * 1000) } : {}),
  };
}
