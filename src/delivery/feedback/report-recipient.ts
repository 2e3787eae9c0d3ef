/**
 * Whom a bounce or complaint is about. A report is matched to a delivery by the Message-ID (or
 * our X-Tactful-Delivery header) of the original message, which every recipient of that message
 * knows, so the address the report names is only believed when it is the delivery's own.
 */

/** RFC 3461 xtext: `+2B` stands for `+` (how MTAs write some addresses in DSN fields). */
const xtextDecoded = (s: string): string =>
  s.replace(/\+([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

const canonical = (s: string): string =>
  s.normalize('NFC').trim().replace(/^<|>$/g, '').trim().toLowerCase();

/** Whether an address a report names is this address (case-insensitive, xtext-tolerant). */
export function sameAddress(reported: string, own: string): boolean {
  const mine = canonical(own);
  if (!mine || reported.includes('\0')) return false;
  return canonical(reported) === mine || canonical(xtextDecoded(reported)) === mine;
}

/**
 * The entries of a report that may be applied to the delivery: those naming its own address and
 * those naming nobody (the Message-ID alone then says whom). `foreign` is true when the report
 * named only other addresses: it must be ignored.
 */
export function ownEntries<T extends { recipient: string | null }>(
  entries: readonly T[],
  own: string | null,
): { entries: T[]; foreign: boolean } {
  const mine = entries.filter(
    (e) => e.recipient === null || (own !== null && sameAddress(e.recipient, own)),
  );
  return { entries: mine, foreign: entries.length > 0 && mine.length === 0 };
}
