import twilio from 'twilio';
import type { Settings } from '../config/settings';
import { DomainError, forbidden } from './domain-error';

/** The form fields of a Twilio webhook, as Twilio signed them. */
export type TwilioParams = Record<string, string | string[]>;

/** Keeps only string (or string-list) form fields: what Twilio signs. */
export function formParams(body: unknown): TwilioParams {
  const out: TwilioParams = {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return out;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = value;
  }
  return out;
}

/**
 * Checks X-Twilio-Signature with the SDK: 503 when Twilio is not configured, 403 when the
 * signature is missing or wrong. `what` names the webhook in the 503 message.
 */
export function verifyTwilioSignature(
  settings: Settings,
  path: string,
  signature: string | undefined,
  params: TwilioParams,
  what: string,
): void {
  const authToken = settings.twilio.authToken;
  if (!authToken) {
    throw new DomainError(
      'unavailable',
      `Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to accept ${what}`,
    );
  }
  if (!signature) throw forbidden('X-Twilio-Signature header is missing');
  // The URL Twilio signed is the public one from settings, never the Host header.
  if (!twilio.validateRequest(authToken, signature, settings.publicUrl + path, params)) {
    throw forbidden('X-Twilio-Signature does not match this request');
  }
}
