/** Promotional-pressure check for message content: what a reader would call spam. */

export interface ContentParts {
  subject?: string | null;
  html?: string | null;
  text?: string | null;
}

export type ContentCheckLevel = 'ok' | 'warn' | 'high';

export interface ContentFinding {
  rule:
    | 'shouting'
    | 'exclamations'
    | 'discount_words'
    | 'too_many_links'
    | 'no_text_part'
    // The text asks for a reply that would reach no one (no-reply sender, no Reply-To).
    | 'reply_unread';
  phrase: string;
}

export interface ContentCheckResult {
  score: number;
  level: ContentCheckLevel;
  findings: ContentFinding[];
}

/** Score at which the level becomes `warn` / `high` (launching `high` needs acknowledgeWarnings). */
export const CONTENT_WARN_SCORE = 4;
export const CONTENT_HIGH_SCORE = 8;
/** More distinct links than this in the body is a pressure sign (the footer's are not counted). */
export const MAX_LINKS = 3;

const WEIGHTS: Record<ContentFinding['rule'], number> = {
  shouting: 2,
  exclamations: 2,
  discount_words: 2,
  too_many_links: 3,
  no_text_part: 3,
  // Not promotional pressure, so no score; it raises the level to warn on its own.
  reply_unread: 0,
};

// \b does not know Cyrillic; these look-arounds do, with the u flag.
const START = '(?<![\\p{L}\\p{N}])';
const END = '(?![\\p{L}\\p{N}])';

/** Discount and urgency vocabulary; Russian entries are stems so every case form matches. */
const DISCOUNT_PATTERNS: RegExp[] = [
  // Russian
  `${START}скидк\\p{L}*`,
  `${START}распродаж\\p{L}*`,
  `${START}акци(?:я|и|ю|ей|ях|ям|ями)${END}`,
  `${START}бесплатн\\p{L}*`,
  `${START}только\\s+сегодня${END}`,
  `${START}успе(?:й|йте|ть)${END}`,
  `${START}последний\\s+шанс${END}`,
  `${START}спецпредложени\\p{L}*`,
  `${START}суперцен\\p{L}*`,
  `${START}выгодн\\p{L}*`,
  `${START}дешев\\p{L}*`,
  `${START}дёшев\\p{L}*`,
  `${START}халяв\\p{L}*`,
  `${START}ограниченн\\p{L}*\\s+предложени\\p{L}*`,
  `${START}купи(?:те)?\\s+сейчас${END}`,
  // English
  `${START}sales?${END}`,
  `${START}discounts?${END}`,
  `${START}free${END}`,
  `\\d+\\s?%\\s?off${END}`,
  `${START}limited[\\s-]+time${END}`,
  `${START}(?:only\\s+today|today\\s+only)${END}`,
  `${START}last\\s+chance${END}`,
  `${START}act\\s+now${END}`,
  `${START}(?:buy|order|shop)\\s+now${END}`,
  `${START}hurry${END}`,
  `${START}cheap(?:est)?${END}`,
  `${START}best\\s+price${END}`,
  `${START}clearance${END}`,
  `${START}deals?${END}`,
  `${START}bargains?${END}`,
  // Either language: "-50%", "50% скидка" is caught by the stem above
  `(?<![\\p{L}\\p{N}])[-−–]\\s?\\d{1,3}\\s?%`,
].map((p) => new RegExp(p, 'giu'));

/** Invitations to answer the message (ru, en); Russian by stem so every form matches. */
const REPLY_INVITATIONS: RegExp[] = [
  `${START}ответ(?:ьте|ить|ите)\\s+(?:на\\s+(?:это|наше|данное)\\s+)?(?:письм\\p{L}*|сообщени\\p{L}*)`,
  `${START}просто\\s+ответ\\p{L}*`,
  `${START}напишите\\s+(?:нам\\s+)?в\\s+ответ${END}`,
  `${START}(?:just|simply)\\s+reply${END}`,
  `${START}(?:hit\\s+)?reply\\s+to\\s+(?:this|our)\\s+(?:e-?mail|message|letter)${END}`,
].map((p) => new RegExp(p, 'giu'));

/** Visible text of an HTML fragment: tags and entities are not words. */
function htmlText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ');
}

function countLinks(parts: ContentParts): number {
  const links = new Set<string>();
  for (const m of (parts.html ?? '').matchAll(/<a\s[^>]*href\s*=\s*["']?([^"'\s>]+)/gi)) {
    links.add(m[1]);
  }
  for (const m of (parts.text ?? '').matchAll(/https?:\/\/[^\s<>"')]+/gi)) links.add(m[0]);
  return links.size;
}

/**
 * Flags promotional pressure: shouting capitals, exclamation runs, discount words (Russian and
 * English), too many links, no plain-text part. Each finding adds its weight to the score; the
 * same phrase found twice counts once.
 */
export function contentCheck(
  parts: ContentParts,
  /** false: replies reach no one, so a text asking for one is a finding. */
  opts: { repliesRead?: boolean } = {},
): ContentCheckResult {
  const findings: ContentFinding[] = [];
  const seen = new Set<string>();
  const add = (rule: ContentFinding['rule'], phrase: string) => {
    const key = `${rule}:${phrase.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ rule, phrase });
  };
  const body = [parts.subject ?? '', htmlText(parts.html ?? ''), parts.text ?? ''].join('\n');

  // Shouting: a word of four or more letters all in capitals (short acronyms such as SMS are fine).
  for (const m of body.matchAll(/(?<![\p{L}\p{N}])\p{Lu}{4,}(?![\p{L}\p{N}])/gu)) {
    if (m[0] === 'STOP') continue; // the SMS opt-out keyword is required, not shouting
    add('shouting', m[0]);
  }
  for (const m of body.matchAll(/!{2,}|(?:!\s*){3,}/g))
    add('exclamations', m[0].replace(/\s/g, ''));
  for (const re of DISCOUNT_PATTERNS) {
    for (const m of body.matchAll(re)) add('discount_words', m[0].replace(/\s+/g, ' '));
  }
  const links = countLinks(parts);
  if (links > MAX_LINKS) add('too_many_links', `${links} links`);
  if (parts.html && !(parts.text ?? '').trim()) add('no_text_part', 'no plain-text part');
  if (opts.repliesRead === false) {
    for (const re of REPLY_INVITATIONS) {
      for (const m of body.matchAll(re)) add('reply_unread', m[0].replace(/\s+/g, ' '));
    }
  }

  const score = findings.reduce((sum, f) => sum + WEIGHTS[f.rule], 0);
  const unread = findings.some((f) => f.rule === 'reply_unread');
  const level: ContentCheckLevel =
    score >= CONTENT_HIGH_SCORE ? 'high' : score >= CONTENT_WARN_SCORE || unread ? 'warn' : 'ok';
  return { score, level, findings };
}
