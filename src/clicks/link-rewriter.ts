import type { RenderedMessage } from '../templates/template-context';

/** At most this many distinct links of one message are tracked; the rest are left as written. */
export const MAX_TRACKED_LINKS = 50;

/** The tracked URL for an original one, or null to leave it as written. */
export type TrackedUrl = (url: string) => string | null;

// Anchors as parse5 serialises them: double-quoted attributes, & written as &amp;.
const HREF = /(\bhref=")(https?:\/\/[^"]+)(")/gi;
// A URL in plain text ends at white space or a bracket/quote; trailing sentence marks are not its own.
const TEXT_URL = /https?:\/\/[^\s<>"'()[\]{}\u00a0]+/gi;
const TRAILING_MARKS = /[.,;:!?]+$/;

const unescapeAttribute = (v: string) =>
  v
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The http(s) links a message holds, in order of first appearance, for a registry to look up. */
export function linksIn(message: RenderedMessage): string[] {
  const seen = new Set<string>();
  const add = (url: string) => {
    if (seen.size < MAX_TRACKED_LINKS) seen.add(url);
  };
  if (message.channel === 'email') {
    for (const m of message.html.matchAll(HREF)) add(unescapeAttribute(m[2]));
    for (const m of message.text.matchAll(TEXT_URL)) add(m[0].replace(TRAILING_MARKS, ''));
  } else if (message.channel === 'sms') {
    for (const m of message.body.matchAll(TEXT_URL)) add(m[0].replace(TRAILING_MARKS, ''));
  }
  return [...seen];
}

function rewriteText(text: string, tracked: TrackedUrl): string {
  return text.replace(TEXT_URL, (found) => {
    const url = found.replace(TRAILING_MARKS, '');
    const to = tracked(url);
    return to === null ? found : to + found.slice(url.length);
  });
}

/**
 * The message with its links going through `tracked` (HTML anchors, URLs in the text part and
 * the SMS body). mailto:, tel: and relative links are never touched; `tracked` decides the rest
 * (the caller leaves out its own unsubscribe, preference and confirmation links).
 */
export function rewriteLinks(message: RenderedMessage, tracked: TrackedUrl): RenderedMessage {
  if (message.channel === 'email')
    return {
      ...message,
      html: message.html.replace(HREF, (all, open: string, raw: string, close: string) => {
        const to = tracked(unescapeAttribute(raw));
        return to === null ? all : `${open}${to}${close}`;
      }),
      text: rewriteText(message.text, tracked),
    };
  if (message.channel === 'sms') return { ...message, body: rewriteText(message.body, tracked) };
  return message;
}
