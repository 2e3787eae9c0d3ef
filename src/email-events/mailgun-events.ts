import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  bareMessageId,
  bounceReport,
  deliveryIdIn,
  objectAt,
  stringAt,
  statusOr,
  type ProviderReport,
} from './provider-report';

/** Mailgun's signature: hex HMAC-SHA256 of timestamp + token under the webhook signing key. */
export function mailgunSignatureValid(
  signingKey: string,
  s: { timestamp: string; token: string; signature: string },
): boolean {
  const expected = createHmac('sha256', signingKey)
    .update(s.timestamp + s.token)
    .digest();
  const given = Buffer.from(s.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Mailgun's `event-data` as a report: `delivered`; `failed` permanent (hard) or temporary
 * (soft); `complained`. Our delivery id comes back in `user-variables`.
 */
export function mailgunReport(eventData: unknown): ProviderReport | null {
  const message = objectAt(eventData, 'message');
  const refs = {
    messageIds: bareMessageId(stringAt(objectAt(message, 'headers'), 'message-id')),
    deliveryIds: deliveryIdIn(objectAt(eventData, 'user-variables')),
    providerIds: [],
  };
  const recipient = stringAt(eventData, 'recipient');
  switch (stringAt(eventData, 'event')) {
    case 'delivered':
      return { type: 'delivered', recipient, ...refs };
    case 'complained':
      return { type: 'complaint', feedbackType: 'abuse', recipient, ...refs };
    case 'failed': {
      const severity = stringAt(eventData, 'severity');
      if (severity !== 'permanent' && severity !== 'temporary') return null;
      const status = objectAt(eventData, 'delivery-status');
      const hard = severity === 'permanent';
      return bounceReport(
        {
          recipient,
          status: statusOr(stringAt(status, 'enhanced-code') ?? stringAt(status, 'message'), hard),
          diagnostic: stringAt(status, 'description') ?? stringAt(status, 'message'),
        },
        refs,
      );
    }
    default:
      return null;
  }
}
