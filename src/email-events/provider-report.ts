import type { ProviderReport } from '../delivery/feedback/report-parser';

export type { ProviderReport };

/** A JSON object's field as an object, or an empty one. */
export const objectAt = (o: unknown, key: string): Record<string, unknown> => {
  const v = o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
};

/** A JSON object's field as a string, or null. */
export const stringAt = (o: unknown, key: string): string | null => {
  const v = o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
};

/** A Message-ID without its angle brackets (how lockEmailDelivery takes them). */
export const bareMessageId = (id: string | null | undefined): string[] => {
  const bare = id?.trim().replace(/^<|>$/g, '');
  return bare && /^[^\s<>]{1,250}$/.test(bare) ? [bare] : [];
};

/** Our delivery id where a provider echoes the custom data we attached (`tactful_delivery`). */
export const deliveryIdIn = (custom: Record<string, unknown>): string[] => {
  const id = stringAt(custom, 'tactful_delivery') ?? stringAt(custom, 'X-Tactful-Delivery');
  return id ? [id.toLowerCase()] : [];
};

/** An enhanced status code as given, else the generic one of the bounce's kind. */
export const statusOr = (given: string | null, hard: boolean): string => {
  const code = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(given ?? '')?.[1];
  if (code && code.startsWith(hard ? '5.' : '4.')) return code;
  return hard ? '5.0.0' : '4.0.0';
};

export const bounceReport = (
  r: { recipient: string | null; status: string; diagnostic: string | null },
  refs: Pick<ProviderReport, 'messageIds' | 'deliveryIds' | 'providerIds'>,
): ProviderReport => ({
  type: 'bounce',
  recipients: [
    { recipient: r.recipient, action: null, status: r.status, diagnostic: r.diagnostic },
  ],
  ...refs,
});
