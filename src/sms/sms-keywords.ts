/** What an inbound SMS asks for: opt out, opt back in, help, or nothing we act on. */
export type SmsKeyword = 'stop' | 'start' | 'help';

const STOP_WORDS = [
  'stop',
  'stopall',
  'unsubscribe',
  'cancel',
  'end',
  'quit',
  'revoke',
  'optout',
  'стоп',
  'отписаться',
];
const STOP_PHRASES = ['opt out', 'отписаться', 'отпишите меня'];
const START_WORDS = ['start', 'unstop', 'yes', 'старт', 'да'];
const HELP_WORDS = ['help', 'info', 'помощь'];

const KEYWORDS = new Map<string, SmsKeyword>([
  ...STOP_WORDS.map((w): [string, SmsKeyword] => [w, 'stop']),
  ...STOP_PHRASES.map((w): [string, SmsKeyword] => [w, 'stop']),
  ...START_WORDS.map((w): [string, SmsKeyword] => [w, 'start']),
  ...HELP_WORDS.map((w): [string, SmsKeyword] => [w, 'help']),
]);

/** Lower case, ё → е, punctuation and symbols dropped, whitespace collapsed. */
export function normalizeSmsText(body: string): string {
  return body
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The keyword a message is, or null. A keyword is the whole message (a single word, or one of a
 * few plain phrases), in any case, with surrounding space and punctuation ignored: "Stop." and
 * "СТОП!" count, "please don't stop" does not.
 */
export function classifySmsKeyword(body: string | null | undefined): SmsKeyword | null {
  if (typeof body !== 'string' || body.length > 160) return null;
  return KEYWORDS.get(normalizeSmsText(body)) ?? null;
}

/**
 * The keyword as the customer wrote it ("СТОП", "Stop"), for timelines: only for a message that
 * is a keyword (classifySmsKeyword), without its surrounding punctuation; nothing else of it.
 */
export function writtenKeyword(body: string): string | null {
  if (classifySmsKeyword(body) === null) return null;
  const written = body
    .normalize('NFKC')
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .replace(/\s+/g, ' ');
  return written.length > 0 && written.length <= 40 ? written : null;
}
