/** GSM 03.38 basic character set (ESC 0x1B excluded: it only introduces the extension table). */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** Extension table: each costs two septets (ESC + the character). */
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentInfo {
  encoding: SmsEncoding;
  segments: number;
  /** Septets for GSM-7 (extension characters count two), UTF-16 code units for UCS-2. */
  length: number;
}

const LIMITS: Record<SmsEncoding, { single: number; multi: number }> = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
};

/**
 * How many SMS segments a body takes. One character outside GSM-7 (Cyrillic, emoji, `) switches
 * the whole message to UCS-2. A character is never split across segments: a GSM-7 escape pair or
 * a UTF-16 surrogate pair that does not fit moves to the next segment, as handsets do.
 */
export function smsSegments(text: string): SmsSegmentInfo {
  const chars = Array.from(text); // code points: surrogate pairs stay together
  const gsm = chars.every((c) => GSM7_BASIC.has(c) || GSM7_EXTENSION.has(c));
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const costs = chars.map((c) => (gsm ? (GSM7_EXTENSION.has(c) ? 2 : 1) : c.length));
  const length = costs.reduce((a, b) => a + b, 0);
  const { single, multi } = LIMITS[encoding];
  if (length === 0) return { encoding, segments: 0, length };
  if (length <= single) return { encoding, segments: 1, length };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, segments, length };
}

/** The opt-out line every marketing SMS ends with (promise 8), in the message's language. */
export const SMS_OPT_OUT: Record<string, string> = {
  ru: 'Отписаться: ответьте STOP',
  en: 'Reply STOP to opt out',
};

export function smsOptOutLine(locale: string): string {
  return SMS_OPT_OUT[locale.toLowerCase().split('-')[0]] ?? SMS_OPT_OUT.en;
}

/** The body as sent: the rendered text, then the opt-out line on its own line. */
export function withSmsOptOut(body: string, locale: string): string {
  return `${body.trim()}\n${smsOptOutLine(locale)}`;
}

/** Above this many segments a preview warns; settings.smsMaxSegments is the hard limit. */
export const SMS_WARN_SEGMENTS = 2;
