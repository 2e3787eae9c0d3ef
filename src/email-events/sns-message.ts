import { createVerify } from 'node:crypto';

/** The SNS envelope fields a signature covers (and what we read of it). */
export interface SnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

const REQUIRED = [
  'Type',
  'MessageId',
  'TopicArn',
  'Message',
  'Timestamp',
  'SignatureVersion',
  'Signature',
  'SigningCertURL',
] as const;

/** The body as an SNS message, or null when it is not one (every signed field a string). */
export function snsMessageOf(body: unknown): SnsMessage | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const o = body as Record<string, unknown>;
  if (!REQUIRED.every((k) => typeof o[k] === 'string')) return null;
  for (const k of ['Subject', 'SubscribeURL', 'Token'] as const) {
    if (o[k] !== undefined && o[k] !== null && typeof o[k] !== 'string') return null;
  }
  return o as unknown as SnsMessage;
}

/**
 * The only hosts SNS serves signing certificates and subscription confirmations from: a
 * certificate from anywhere else would let anyone sign their own "notifications".
 */
export function isSnsUrl(url: string | undefined, pathEnding?: string): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === 'https:' &&
    !u.port &&
    !u.username &&
    !u.password &&
    /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname) &&
    (!pathEnding || u.pathname.endsWith(pathEnding))
  );
}

/** The string SNS signs: fixed keys in byte order, "key\nvalue\n" each (AWS SNS docs). */
export function snsStringToSign(m: SnsMessage): string {
  const keys =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const fields = m as unknown as Record<string, string | undefined>;
  return keys
    .filter((k) => fields[k] !== undefined && fields[k] !== null)
    .map((k) => `${k}\n${fields[k]}\n`)
    .join('');
}

/** SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA; anything else is refused. */
export function snsSignatureValid(m: SnsMessage, certificatePem: string): boolean {
  const algorithm =
    m.SignatureVersion === '1' ? 'RSA-SHA1' : m.SignatureVersion === '2' ? 'RSA-SHA256' : null;
  if (!algorithm) return false;
  try {
    return createVerify(algorithm)
      .update(snsStringToSign(m), 'utf8')
      .verify(certificatePem, m.Signature, 'base64');
  } catch {
    return false;
  }
}
