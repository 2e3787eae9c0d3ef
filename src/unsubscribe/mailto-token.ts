/**
 * Where an answer to the List-Unsubscribe mailto carries its token. The header advertises
 * `mailto:<mailbox>?subject=unsubscribe-<token>`; mail clients keep that subject (perhaps behind
 * "Re:" or RFC 2047-encoded, which the parser undoes), some put it in the body, and a mail server
 * may hand the message over by a tagged address `<local>+<token>@<domain>`.
 */

/** `<kid>.<payload>.<signature>` in base64url, bounded so a huge field cannot make it slow. */
const TOKEN = '[A-Za-z0-9_-]{1,64}\\.[A-Za-z0-9_-]{1,1024}\\.[A-Za-z0-9_-]{16,128}';
const PREFIXED = new RegExp(`(?:^|[^A-Za-z0-9_.-])unsubscribe-(${TOKEN})(?![A-Za-z0-9_.-])`, 'gi');
const WHOLE = new RegExp(`^${TOKEN}$`);
/** Only the start of a body is read: the token is near the top of a real answer. */
const BODY_SCAN_CHARS = 64 * 1024;
const MAX_CANDIDATES = 5;

/** Whether `address` is `mailbox` or its `local+tag@domain` form; the tag keeps its case. */
export function mailboxTag(
  address: string,
  mailbox: string,
): { match: boolean; tag: string | null } {
  const at = address.lastIndexOf('@');
  const mAt = mailbox.lastIndexOf('@');
  if (at < 1 || mAt < 1) return { match: false, tag: null };
  const local = address.slice(0, at);
  const mLocal = mailbox.slice(0, mAt).toLowerCase();
  if (address.slice(at + 1).toLowerCase() !== mailbox.slice(mAt + 1).toLowerCase())
    return { match: false, tag: null };
  if (local.toLowerCase() === mLocal) return { match: true, tag: null };
  if (local.toLowerCase().startsWith(`${mLocal}+`))
    return { match: true, tag: local.slice(mLocal.length + 1) };
  return { match: false, tag: null };
}

/**
 * Token-shaped strings of an answer, most specific first: the address tag, the subject, the body.
 * A field holding a NUL byte is not read (no mail client writes one). Candidates still have to
 * pass the signature check.
 */
export function unsubscribeTokenCandidates(mail: {
  subject: string | null;
  text: string | null;
  addressTags: string[];
}): string[] {
  const out: string[] = [];
  const add = (t: string) => {
    if (!out.includes(t) && out.length < MAX_CANDIDATES) out.push(t);
  };
  for (const tag of mail.addressTags) {
    const t = tag.replace(/^unsubscribe-/i, '');
    if (WHOLE.test(t)) add(t);
  }
  for (const field of [mail.subject, mail.text?.slice(0, BODY_SCAN_CHARS) ?? null]) {
    if (!field || field.includes('\0')) continue;
    for (const m of field.matchAll(PREFIXED)) add(m[1]);
  }
  return out;
}
