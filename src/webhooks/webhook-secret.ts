import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

const keyOf = (secret: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'tactful/webhook-secret', 'aes-256-gcm', 32));

/**
 * The endpoint secret sealed with AES-256-GCM under a key derived from TACTFUL_SECRET: the
 * database alone does not let anyone sign as Tactful.
 */
export function sealWebhookSecret(secret: string, appSecret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(appSecret), iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', ...[iv, cipher.getAuthTag(), sealed].map((p) => p.toString('base64'))].join(':');
}

/** The secret back, trying the current then each retired TACTFUL_SECRET; null when none opens it. */
export function openWebhookSecret(sealed: string, appSecrets: readonly string[]): string | null {
  const [version, iv, tag, data] = sealed.split(':');
  if (version !== 'v1' || !iv || !tag || !data) return null;
  for (const appSecret of appSecrets) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', keyOf(appSecret), Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([
        decipher.update(Buffer.from(data, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      // Sealed under another secret: try the next.
    }
  }
  return null;
}
