import { isUuid } from '../common/strict-values';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { keyIdFor } from './link-token.service';

/** What a tracked link stands for: one link of one delivery. Signed, not secret. */
export interface ClickTarget {
  deliveryId: string;
  linkId: number;
}

// 16 bytes of delivery id, 4 of link id, 12 of HMAC-SHA256 (96 bits: unforgeable by guessing).
const BODY = 20;
const MAC = 12;
const TOKEN = /^([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]{43})$/;

const keyFor = (secret: string): { kid: string; key: Buffer } => ({
  kid: keyIdFor(secret),
  key: Buffer.from(hkdfSync('sha256', secret, 'tactful/click-token', 'hmac-sha256:v1', 32)),
});

/**
 * Short signed tokens of tracked links, `<kid>.<base64url(delivery id, link id, MAC)>` (52
 * characters): a key of its own derived from TACTFUL_SECRET with HKDF, and tokens signed under a
 * secret of TACTFUL_SECRET_PREVIOUS still verify, as the other link tokens do. Verification
 * answers null for every failure alike.
 */
@Injectable()
export class ClickTokenService {
  private readonly current: { kid: string; key: Buffer };
  private readonly keys: Map<string, Buffer>;

  constructor(@Inject(SETTINGS) settings: Pick<Settings, 'secret' | 'previousSecrets'>) {
    this.current = keyFor(settings.secret);
    this.keys = new Map(
      [this.current, ...(settings.previousSecrets ?? []).map(keyFor)].map((k) => [k.kid, k.key]),
    );
  }

  issue(target: ClickTarget): string {
    const body = Buffer.allocUnsafe(BODY + MAC);
    body.write(target.deliveryId.replace(/-/g, ''), 0, 16, 'hex');
    body.writeUInt32BE(target.linkId, 16);
    this.mac(this.current.key, this.current.kid, body).copy(body, BODY, 0, MAC);
    return `${this.current.kid}.${body.toString('base64url')}`;
  }

  verify(token: string): ClickTarget | null {
    const m = typeof token === 'string' ? TOKEN.exec(token) : null;
    if (!m) return null;
    const key = this.keys.get(m[1]);
    if (!key) return null;
    const body = Buffer.from(m[2], 'base64url');
    // Re-encoding refuses non-canonical spellings, so a token has exactly one form.
    if (body.length !== BODY + MAC || body.toString('base64url') !== m[2]) return null;
    const expected = this.mac(key, m[1], body).subarray(0, MAC);
    if (!timingSafeEqual(expected, body.subarray(BODY))) return null;
    const hex = body.toString('hex', 0, 16);
    const deliveryId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    if (!isUuid(deliveryId)) return null;
    return { deliveryId, linkId: body.readUInt32BE(16) };
  }

  private mac(key: Buffer, kid: string, body: Buffer): Buffer {
    return createHmac('sha256', key).update(kid).update(body.subarray(0, BODY)).digest();
  }
}
