/**
 * Masks personal data in free text from outside (DSN/ARF diagnostics, SMTP answers, Twilio error
 * messages, error messages) before it is stored or logged. Append-only tables can never be
 * scrubbed later, so what goes into them must already be clean.
 *
 * Every e-mail address and every phone-like number (7+ digits, any separators) is masked whoever
 * it belongs to; the known values of the person (name, its words, the e-mail's local part) are
 * masked wherever they appear, in any letter case.
 */
export interface PersonalValues {
  names?: readonly (string | null | undefined)[];
  emails?: readonly (string | null | undefined)[];
  phones?: readonly (string | null | undefined)[];
}

export const MASK = { email: '[email]', phone: '[phone]', name: '[name]' } as const;

// local@domain, unicode letters allowed; quotes, brackets, slashes and separators end it. The lookbehind
// starts a match only where a word starts, so a long run without '@' is read once, not n times.
const EMAIL = /(?<![^\s<>()[\]"'`,;:@\\/])[^\s<>()[\]"'`,;:@\\/]+@[^\s<>()[\]"'`,;:@\\/]+/gu;
// A run of digits with the separators people write phones with; 7+ digits is a phone, shorter
// runs are status codes (550, 5.1.1, 21610) and stay. Letters or digits right before or after
// (hex ids, uuid groups) mean it is not a phone; an ISO date stays a date.
const PHONE = /(?<![\p{L}\p{N}_]-?)\+?\d(?:[\s\-().]{0,3}\d){6,}(?!-?[\p{L}\p{N}_])/gu;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
// Control characters (NUL cannot be stored in PostgreSQL text at all).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const NAME_WORD_MIN = 3;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The literal values to mask for a person, longest first so a full name wins over its words. */
function literals(known: PersonalValues): { value: string; mask: string }[] {
  const out = new Map<string, string>();
  for (const name of known.names ?? []) {
    const n = name?.trim();
    if (!n) continue;
    out.set(n.toLowerCase(), MASK.name);
    for (const word of n.split(/[\s,.'"()-]+/u)) {
      if (word.length >= NAME_WORD_MIN) out.set(word.toLowerCase(), MASK.name);
    }
  }
  for (const email of known.emails ?? []) {
    const e = email?.trim().toLowerCase();
    if (!e) continue;
    out.set(e, MASK.email);
    const local = e.split('@')[0];
    if (local.length >= NAME_WORD_MIN) out.set(local, MASK.email);
  }
  for (const phone of known.phones ?? []) {
    const digits = phone?.replace(/\D/g, '') ?? '';
    // Numbers are masked by shape below; the last 7 digits catch a local form glued to text.
    if (digits.length >= 7) out.set(digits.slice(-7), MASK.phone);
  }
  return [...out]
    .map(([value, mask]) => ({ value, mask }))
    .sort((a, b) => b.value.length - a.value.length);
}

/** The text with every e-mail address, phone number and known personal value masked. */
export function maskPersonal(text: string, known: PersonalValues = {}): string {
  let s = text
    .replace(CONTROL, ' ')
    .replace(EMAIL, MASK.email)
    .replace(PHONE, (m) => (ISO_DATE.test(m) ? m : MASK.phone));
  const values = literals(known);
  if (values.length) {
    const pattern = new RegExp(values.map((v) => escapeRegExp(v.value)).join('|'), 'giu');
    const byValue = new Map(values.map((v) => [v.value, v.mask]));
    s = s.replace(pattern, (hit) => byValue.get(hit.toLowerCase()) ?? MASK.name);
  }
  return s;
}

/** `maskPersonal` for a nullable text, cut to `max` characters after masking. */
export function maskDiagnostic(
  text: string | null | undefined,
  known: PersonalValues,
  max = 300,
): string | null {
  if (text === null || text === undefined) return null;
  return maskPersonal(text, known).slice(0, max);
}

/** Every string inside a JSON value masked (objects and arrays walked, keys kept). */
export function maskJson(value: unknown, known: PersonalValues): unknown {
  if (typeof value === 'string') return maskPersonal(value, known);
  if (Array.isArray(value)) return value.map((v) => maskJson(v, known));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskJson(v, known)]),
    );
  }
  return value;
}
