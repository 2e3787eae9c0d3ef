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

/** GSM-7 stand-ins for characters that often slip into SMS texts and force UCS-2. */
const GSM7_REPLACEMENTS: Record<string, string> = {
  '°': ' degrees',
  '—': '-',
  '–': '-',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '«': '"',
  '»': '"',
  '…': '...',
  '•': '-',
  '×': 'x',
  '№': 'No.',
  '\u00a0': ' ',
  '\u2009': ' ',
  '₽': 'RUB',
};

/** A character that switched an SMS to UCS-2, where it is, and what GSM-7 offers instead. */
export interface Ucs2Culprit {
  char: string;
  /** Position in the body (code points, from 1). */
  position: number;
  replacement: string | null;
}

/**
 * Why an otherwise GSM-7 SMS went UCS-2: each character outside GSM-7 (up to 10), with its
 * stand-in, and the segments once all of them are replaced (null when one has none). Empty for
 * a text that is UCS-2 through and through (Cyrillic, say): no single character is to blame.
 */
export function ucs2Culprits(text: string): {
  culprits: Ucs2Culprit[];
  gsmSegments: number | null;
} {
  const chars = Array.from(text);
  const outside = chars
    .map((char, i) => ({ char, position: i + 1 }))
    .filter(({ char }) => !GSM7_BASIC.has(char) && !GSM7_EXTENSION.has(char));
  // Mostly non-GSM text (a Russian SMS): a hint per character would be noise.
  if (outside.length === 0 || outside.length > Math.max(3, chars.length / 10))
    return { culprits: [], gsmSegments: null };
  const culprits = outside.slice(0, 10).map((c) => ({
    ...c,
    replacement: GSM7_REPLACEMENTS[c.char] ?? null,
  }));
  const fixable = outside.every((c) => GSM7_REPLACEMENTS[c.char] !== undefined);
  const fixed = chars.map((c) => GSM7_REPLACEMENTS[c] ?? c).join('');
  return { culprits, gsmSegments: fixable ? smsSegments(fixed).segments : null };
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
