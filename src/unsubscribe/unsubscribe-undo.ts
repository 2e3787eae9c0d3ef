import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** How long the unsubscribed page offers "undo". */
export const UNDO_WINDOW_MS = 60 * 60_000;

export type LiveStatus = 'granted' | 'confirmed';

/** What an undo restores: the status before, and the withdrawal it takes back. */
export interface UndoClaim {
  previous: LiveStatus;
  /** The ledger event of the withdrawal: undo only while it is still the latest. */
  eventId: string;
  /** Seconds since the epoch, when the withdrawal was made. */
  at: number;
}

const keyOf = (secret: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'tactful/unsubscribe', 'undo:v1', 32));

const mac = (secret: string, linkToken: string, body: string): string =>
  createHmac('sha256', keyOf(secret))
    .update(`undo:v1:${linkToken}:${body}`, 'utf8')
    .digest('base64url');

const bodyOf = (c: UndoClaim) => `${c.previous}.${c.eventId}.${c.at}`;

/** The undo form's field: the claim, signed and bound to the unsubscribe link. */
export function undoTokenFor(secret: string, linkToken: string, claim: UndoClaim): string {
  const body = bodyOf(claim);
  return `${body}.${mac(secret, linkToken, body)}`;
}

const CLAIM = /^(granted|confirmed)\.(\d{1,19})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * The claim of a genuine undo field of this link, signed under the current or a previous
 * secret and still within the window; otherwise null (never says why).
 */
export function readUndoToken(
  secrets: readonly string[],
  linkToken: string,
  given: unknown,
  now: Date,
): UndoClaim | null {
  if (typeof given !== 'string' || given.length > 200) return null;
  const m = CLAIM.exec(given);
  if (!m) return null;
  const claim: UndoClaim = { previous: m[1] as LiveStatus, eventId: m[2], at: Number(m[3]) };
  const body = bodyOf(claim);
  const sig = Buffer.from(m[4]);
  const genuine = secrets.some((secret) => {
    const expected = Buffer.from(mac(secret, linkToken, body));
    return expected.length === sig.length && timingSafeEqual(expected, sig);
  });
  if (!genuine) return null;
  const age = now.getTime() - claim.at * 1000;
  return age >= 0 && age <= UNDO_WINDOW_MS ? claim : null;
}
