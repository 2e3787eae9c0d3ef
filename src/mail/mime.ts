import { randomBytes } from 'node:crypto';
import * as mimeFuncs from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';

/** What composeMime takes: one text + HTML e-mail to one plain address. */
export interface MimeInput {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers; a key the composer writes itself (From, Content-Type, …) means null. */
  headers?: Record<string, string>;
  /** Reply-To, an address as From takes it (a display name is encoded like From's). */
  replyTo?: string;
  /** With angle brackets. */
  messageId: string;
  date: Date;
}

export interface ComposedMime {
  raw: Buffer;
  envelope: { from: string; to: string[] };
}

/** What nodemailer's encodeWords takes at runtime (the typings lack `encodeAll`). */
const encodeWords = mimeFuncs.encodeWords as (
  value: string,
  encoding: 'Q' | 'B',
  maxLength: number,
  encodeAll: boolean,
) => string;

/** MimeNode's address encoding (punycode, encoded words), public at runtime, not in the typings. */
type HeaderEncoder = { encodeHeaderValue(key: string, value: string): string };

/** Plain dot-atom addresses: written and put in the envelope as they are. */
const SIMPLE_ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
/** Header fields the composer writes; a caller's header with one of these keys is not ours to place. */
const OWN_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'sender',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
]);
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/** A control character other than HT, LF and CR (LF and CR are `control` too when `all`). */
const isControl = (c: number, all = false) =>
  c === 0x7f || (c <= 0x1f && (all || (c !== 0x09 && c !== 0x0a && c !== 0x0d)));
const hasControl = (v: string) => {
  for (let i = 0; i < v.length; i++) if (isControl(v.charCodeAt(i))) return true;
  return false;
};
const withoutControl = (v: string) => {
  for (let i = 0; i < v.length; i++) {
    if (isControl(v.charCodeAt(i), true)) {
      return [...v].filter((ch) => !isControl(ch.charCodeAt(0), true)).join('');
    }
  }
  return v;
};

// Boundaries: a random per-process part and a counter (a fresh random one for content that
// carries the marker, see composeMime).
const BOUNDARY_BASE = randomBytes(8).toString('hex');
let boundaryCounter = 0;

const fromCache = new Map<string, { header: string; address: string } | null>();

const keyCache = new Map<string, string>();

/** nodemailer's header key normalisation (Camel-Case, MIME/DKIM/…-ID kept upper case). */
function normalizeKey(key: string): string {
  let normalized = keyCache.get(key);
  if (normalized === undefined) {
    normalized = normalizeKeyUncached(key);
    if (keyCache.size < 1000) keyCache.set(key, normalized);
  }
  return normalized;
}

function normalizeKeyUncached(key: string): string {
  return key
    .toLowerCase()
    .replace(
      /^X-SMTPAPI$|^(MIME|DKIM|ARC|BIMI)\b|^OTP(?=-Token$)|^[a-z]|-(SPF|FBL|ID|MD5)$|-[a-z]/gi,
      (c) => c.toUpperCase(),
    )
    .replace(/^Content-Features$/i, 'Content-features');
}

/** nodemailer's _getTextEncoding: Q when latin letters outnumber the rest, else B. */
function textEncoding(value: string): 'Q' | 'B' {
  let nonLatin = 0;
  let latin = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x08 || c === 0x0b || c === 0x0c || (c >= 0x0e && c <= 0x1f) || c >= 0x80) nonLatin++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
  }
  return nonLatin < latin ? 'Q' : 'B';
}

/** An unstructured header value as nodemailer encodes it (encoded words when needed). */
function unstructured(value: string): string {
  const v = value.replace(/\r?\n|\r/g, ' ');
  if (hasControl(v)) return mimeFuncs.encodeWord(v, textEncoding(v), 52);
  return encodeWords(v, textEncoding(v), 52, true);
}

const fold = (key: string, value: string) => mimeFuncs.foldLines(`${key}: ${value}`, 76);

/** The From header and envelope sender, once per distinct value (parsing addresses is costly). */
function fromHeader(from: string, key: 'From' | 'Reply-To' = 'From') {
  const cacheKey = `${key}\n${from}`;
  let cached = fromCache.get(cacheKey);
  if (cached === undefined) {
    const node = new MimeNode('text/plain').setHeader('From', from);
    const address = node.getEnvelope().from;
    const value = (node as unknown as HeaderEncoder).encodeHeaderValue(key, from);
    cached = address && value ? { header: fold(key, value), address } : null;
    if (fromCache.size < 100) fromCache.set(cacheKey, cached);
  }
  return cached;
}

const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
/** Bytes written as they are in quoted-printable (RFC 2045 6.7), CR and LF handled apart. */
const QP_LITERAL = new Uint8Array(256);
for (let b = 0x20; b <= 0x7e; b++) QP_LITERAL[b] = b === 0x3d ? 0 : 1;
QP_LITERAL[0x09] = 1;

/**
 * A reused, growing byte buffer: a message is written into it and copied out once, instead of
 * allocating a buffer for every part and encoding (allocation showed up as GC time per e-mail).
 * composeMime is synchronous, so one per process is enough.
 */
class Scratch {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  reset(): void {
    // A rare huge message does not keep its buffer for good.
    if (this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(64 * 1024);
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  text(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  copyOut(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

const out = new Scratch();
const source = new Scratch();
const encoded = new Scratch();

type TransferEncoding = '7bit' | 'quoted-printable' | 'base64';

/**
 * Encodes a text part into `encoded` and says how: nodemailer's rule — 7bit for printable ASCII
 * with lines of at most 76 characters, else quoted-printable when latin letters outnumber the
 * other characters (counted as UTF-16 units, as nodemailer does), else base64. The counts are
 * taken during the quoted-printable pass, the usual outcome, so the text is read once.
 *
 * Quoted-printable: CRLF line breaks (a bare CR or LF is a line break too), whitespace before a
 * line break or at the end encoded, soft breaks so that no line is over 76 characters, and a
 * UTF-8 character never split over two lines.
 */
function encodeText(content: string): TransferEncoding {
  source.reset();
  source.text(content);
  const src = source.buf;
  const len = source.pos;
  encoded.reset();
  // At most 3 characters a byte, plus a 3-character soft break every 25 encoded bytes.
  encoded.ensure(len * 3 + Math.ceil(len / 25) * 3 + 3);
  const dst = encoded.buf;
  let pos = 0;
  let lineLength = 0;
  let plain = true;
  let longLines = content.length > 128 * 1024; // nodemailer does not look further either
  let rawLineLength = 0;
  let latin = 0;
  let nonLatin = 0;
  let i = 0;
  while (i < len) {
    const b = src[i];
    if (b === 0x0d || b === 0x0a) {
      dst[pos++] = 0x0d;
      dst[pos++] = 0x0a;
      lineLength = 0;
      rawLineLength = 0;
      i += b === 0x0d && i + 1 < len && src[i + 1] === 0x0a ? 2 : 1;
      continue;
    }
    if (++rawLineLength > 76) longLines = true;
    let bytes = 1;
    let literal = QP_LITERAL[b] === 1;
    if (literal) {
      if (b === 0x20 || b === 0x09) {
        const next = i + 1 < len ? src[i + 1] : 0x0a;
        literal = next !== 0x0d && next !== 0x0a;
      } else if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) {
        latin++;
      }
    } else if (b >= 0xc0) {
      plain = false;
      // One UTF-16 unit, two for a character outside the BMP (4 UTF-8 bytes).
      nonLatin += b >= 0xf0 ? 2 : 1;
      bytes = Math.min(b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2, len - i);
    } else if (b < 0x20 || (b >= 0x80 && b < 0xc0)) {
      // Control characters (HT, CR, LF are handled above); a stray continuation byte cannot
      // come out of a JS string, but counts like a control character if it ever did.
      plain = false;
      nonLatin++;
    }
    const width = literal ? 1 : 3 * bytes;
    if (lineLength + width > 75) {
      dst[pos++] = 0x3d;
      dst[pos++] = 0x0d;
      dst[pos++] = 0x0a;
      lineLength = 0;
    }
    if (literal) {
      dst[pos++] = b;
    } else {
      for (let k = i; k < i + bytes; k++) {
        const v = src[k];
        dst[pos++] = 0x3d;
        dst[pos++] = HEX[v >> 4];
        dst[pos++] = HEX[v & 15];
      }
    }
    lineLength += width;
    i += bytes;
  }
  encoded.pos = pos;
  if (plain && !longLines) {
    encoded.reset();
    encoded.text(
      /\r(?!\n)|(?<!\r)\n/.test(content) ? content.replace(/\r\n|\r|\n/g, '\r\n') : content,
    );
    return '7bit';
  }
  if (nonLatin < latin) return 'quoted-printable';
  const b64 = src.toString('base64', 0, len);
  encoded.reset();
  encoded.ensure(b64.length + Math.ceil(b64.length / 76) * 2);
  for (let k = 0; k < b64.length; k += 76) {
    if (k) encoded.text('\r\n');
    encoded.pos += encoded.buf.write(b64.slice(k, k + 76), encoded.pos, 'latin1');
  }
  return 'base64';
}

/** The encoded text of `content` and its transfer encoding (for tests). */
export function encodeTextPart(content: string): { encoding: TransferEncoding; body: Buffer } {
  const encoding = encodeText(content);
  return { encoding, body: encoded.copyOut() };
}

/** A text part: its headers, then its encoded content. */
function writePart(contentType: string, content: string, lastHeaders: string[] = []): void {
  const encoding = encodeText(content);
  const type = `Content-Type: ${contentType}; charset=utf-8`;
  const transfer = `Content-Transfer-Encoding: ${encoding}`;
  // A single-part message: the part's headers close the message's, Content-Type last.
  out.text(
    lastHeaders.length
      ? `${transfer}\r\n${lastHeaders.join('\r\n')}\r\n${type}\r\n\r\n`
      : `${type}\r\n${transfer}\r\n\r\n`,
  );
  out.ensure(encoded.pos);
  out.pos += encoded.buf.copy(out.buf, out.pos, 0, encoded.pos);
}

/**
 * A text + HTML e-mail composed in one pass into one Buffer, laid out as nodemailer's MimeNode
 * tree writes it (its header encoding and folding helpers, its choice of 7bit, quoted-printable
 * or base64), without its per-message stream pipelines: composing was most of the CPU the sender
 * spent per e-mail. Handed to the transport as `raw`, the message goes to the socket in one write
 * instead of dozens of small ones; DKIM still signs it (nodemailer signs raw messages too).
 * Anything unusual (an address that needs encoding, a header the composer writes itself) returns
 * null and the caller lets nodemailer compose the message.
 */
export function composeMime(m: MimeInput): ComposedMime | null {
  const from = fromHeader(m.from);
  if (!from || !SIMPLE_ADDRESS.test(m.to)) return null;
  const lines: string[] = [];
  for (const [rawKey, value] of Object.entries(m.headers ?? {})) {
    if (!FIELD_NAME.test(rawKey) || OWN_HEADERS.has(rawKey.toLowerCase())) return null;
    if (value === undefined || value === null || !String(value).trim()) continue;
    lines.push(fold(normalizeKey(rawKey), unstructured(String(value))));
  }
  lines.push(from.header, fold('To', m.to));
  if (m.replyTo) {
    // After To, where nodemailer puts it.
    const replyTo = fromHeader(m.replyTo, 'Reply-To');
    if (!replyTo) return null;
    lines.push(replyTo.header);
  }
  const subject = unstructured(m.subject);
  if (subject.trim()) lines.push(fold('Subject', subject));
  lines.push(
    `Message-ID: ${withoutControl(m.messageId)}`,
    `Date: ${m.date.toUTCString().replace(/GMT/, '+0000')}`,
  );

  out.reset();
  if (!m.text || !m.html) {
    // nodemailer leaves out an empty alternative; with neither, an empty text part.
    out.text(`${lines.join('\r\n')}\r\n`);
    if (m.html) writePart('text/html', m.html, ['MIME-Version: 1.0']);
    else writePart('text/plain', m.text, ['MIME-Version: 1.0']);
    out.text('\r\n');
  } else {
    // Only content that carries the marker could hold a boundary line (QP and base64 add none):
    // then a random one it cannot hold.
    const boundary =
      m.text.includes('_Tactful-') || m.html.includes('_Tactful-')
        ? `--_Tactful-${randomBytes(16).toString('hex')}`
        : `--_Tactful-${BOUNDARY_BASE}-${(boundaryCounter++).toString(36)}`;
    lines.push(
      'MIME-Version: 1.0',
      `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
    );
    out.text(`${lines.join('\r\n')}\r\n`);
    out.text(`\r\n--${boundary}\r\n`);
    writePart('text/plain', m.text);
    out.text(`\r\n--${boundary}\r\n`);
    writePart('text/html', m.html);
    out.text(`\r\n--${boundary}--\r\n`);
  }
  return { raw: out.copyOut(), envelope: { from: from.address, to: [m.to] } };
}
