import { createHash, timingSafeEqual } from 'node:crypto';
import {
  bounceReport,
  deliveryIdIn,
  objectAt,
  stringAt,
  type ProviderReport,
} from './provider-report';

const HARD = new Set(['HardBounce', 'BadEmailAddress']);
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError']);

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Postmark protects its webhook with basic auth in the URL (`https://user:pass@host/...`). Both
 * sides are hashed first so the comparison takes the same time whatever the length.
 */
export function postmarkAuthValid(
  authorization: string | undefined,
  expected: { user: string; password: string },
): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
  const given = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
  return timingSafeEqual(digest(given), digest(`${expected.user}:${expected.password}`));
}

/**
 * One Postmark webhook record as a report: `Delivery`; `Bounce` of a hard (HardBounce,
 * BadEmailAddress) or soft (SoftBounce, Transient, DnsError) type; `SpamComplaint`. Our delivery
 * id comes back in `Metadata`; `MessageID` is Postmark's own id.
 */
export function postmarkReport(record: unknown): ProviderReport | null {
  const refs = {
    messageIds: [],
    deliveryIds: deliveryIdIn(objectAt(record, 'Metadata')),
    providerIds: [stringAt(record, 'MessageID') ?? ''].filter(Boolean),
  };
  switch (stringAt(record, 'RecordType')) {
    case 'Delivery':
      return { type: 'delivered', recipient: stringAt(record, 'Recipient'), ...refs };
    case 'SpamComplaint':
      return {
        type: 'complaint',
        feedbackType: 'abuse',
        recipient: stringAt(record, 'Email'),
        ...refs,
      };
    case 'Bounce': {
      const type = stringAt(record, 'Type') ?? '';
      if (!HARD.has(type) && !SOFT.has(type)) return null;
      const hard = HARD.has(type);
      return bounceReport(
        {
          recipient: stringAt(record, 'Email'),
          status: hard ? '5.0.0' : '4.0.0',
          diagnostic: stringAt(record, 'Details'),
        },
        refs,
      );
    }
    default:
      return null;
  }
}
