import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import {
  bareMessageId,
  bounceReport,
  deliveryIdIn,
  stringAt,
  statusOr,
  type ProviderReport,
} from './provider-report';

/** The key as SendGrid shows it (base64 DER SubjectPublicKeyInfo), or a PEM. */
export function sendgridPublicKey(key: string): KeyObject {
  return key.includes('BEGIN PUBLIC KEY')
    ? createPublicKey(key)
    : createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
}

/**
 * SendGrid's Signed Event Webhook: an ECDSA (P-256, SHA-256) signature, base64 DER, over the
 * timestamp header followed by the raw body bytes.
 */
export function sendgridSignatureValid(
  key: KeyObject,
  timestamp: string,
  rawBody: Buffer,
  signature: string,
): boolean {
  try {
    return verify(
      'sha256',
      Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]),
      { key, dsaEncoding: 'der' },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/**
 * One SendGrid event as a report: `delivered`; `bounce` of type bounce (hard) or blocked (soft);
 * `spamreport`. The rest (processed, deferred, dropped, opens, clicks) gives none. Our
 * delivery id comes back as a top-level custom arg; `smtp-id` is the message's Message-ID.
 */
export function sendgridReport(event: unknown): ProviderReport | null {
  const refs = {
    messageIds: bareMessageId(stringAt(event, 'smtp-id')),
    deliveryIds: deliveryIdIn(event as Record<string, unknown>),
    providerIds: [stringAt(event, 'sg_message_id')?.split('.')[0] ?? ''].filter(Boolean),
  };
  const recipient = stringAt(event, 'email');
  switch (stringAt(event, 'event')) {
    case 'delivered':
      return { type: 'delivered', recipient, ...refs };
    case 'spamreport':
      return { type: 'complaint', feedbackType: 'abuse', recipient, ...refs };
    case 'bounce': {
      const hard = stringAt(event, 'type') !== 'blocked';
      return bounceReport(
        {
          recipient,
          status: statusOr(stringAt(event, 'status'), hard),
          diagnostic: stringAt(event, 'reason'),
        },
        refs,
      );
    }
    default:
      return null;
  }
}
