import type { Readable } from 'node:stream';

/** Reads at most `limit` bytes of a stream; null when it is longer. */
export async function readLimited(stream: Readable, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limit) return null;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** The boundary of a `multipart/form-data` content type, or null. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*;/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

/**
 * The value of one plain (non-file) field of a multipart/form-data body (RFC 7578), or null.
 * Just enough for `List-Unsubscribe=One-Click`: no files, no nested parts, no charsets.
 */
export function multipartField(body: Buffer, boundary: string, name: string): string | null {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const segments = text.split(delimiter);
  // segments[0] is the preamble; a segment starting with "--" follows the closing delimiter.
  for (const segment of segments.slice(1)) {
    if (segment.startsWith('--')) break;
    const part = segment.replace(/^[ \t]*\r?\n/, '');
    const split = /\r?\n\r?\n/.exec(part);
    if (!split) continue;
    const headers = part.slice(0, split.index).split(/\r?\n/);
    const disposition = headers.find((h) => /^content-disposition\s*:/i.test(h));
    if (!disposition || !/^content-disposition\s*:\s*form-data\s*(;|$)/i.test(disposition))
      continue;
    const fieldName = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (fieldName !== name || /;\s*filename\*?=/i.test(disposition)) continue;
    const value = part.slice(split.index + split[0].length).replace(/\r?\n$/, '');
    return Buffer.from(value, 'latin1').toString('utf8');
  }
  return null;
}
