import type { AuditItem } from '../audit/audit-query.service';
import { eventTypeLabel } from './labels';
import { fmtDate, str } from './page';
import { formatInZone } from './zone';
import type { ConsoleLang } from './texts';

export const AUDIT_FIELDS = ['customerId', 'campaignId', 'type', 'from', 'to'] as const;
const LOCAL_MINUTES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
/** How much of an event's data a row shows (fields, characters a value); the export has all. */
const DATA_FIELDS = 5;
const VALUE_SHOWN = 48;

/** A customer as the audit page names them: name (else external id), or erased. */
export interface AuditCustomer {
  id: string;
  name: string | null;
  externalId: string;
  erased: boolean;
}

/** The audit filter fields as typed; datetime-local values are read as UTC. */
export function auditQueryOf(q: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of AUDIT_FIELDS) {
    let v = str(q[f]).trim();
    if ((f === 'from' || f === 'to') && LOCAL_MINUTES.test(v)) v = `${v}:00Z`;
    if (v) out[f] = v;
  }
  return out;
}

/** The filter form as the user typed it, to show it again. */
export const auditFormOf = (raw: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(AUDIT_FIELDS.map((f) => [f, str(raw[f])]));

const isPlain = (x: unknown): boolean =>
  x === null || ['string', 'number', 'boolean'].includes(typeof x);

/** One data value in a few words: text as is, lists joined, objects as compact JSON; capped. */
export function compactValue(v: unknown): string {
  const text =
    v === null || v === undefined
      ? '—'
      : typeof v === 'string'
        ? v
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : Array.isArray(v) && v.every(isPlain)
            ? v.join(', ')
            : typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(isPlain)
              ? Object.entries(v)
                  .map(([k, x]) => `${k} ${String(x)}`)
                  .join(', ')
              : JSON.stringify(v);
  return text.length > VALUE_SHOWN ? `${text.slice(0, VALUE_SHOWN - 1)}…` : text;
}

/** An event's data as a short key-value list, keys in words ("policy_version" → "policy version"). */
export function dataPairs(data: Record<string, unknown>): { key: string; value: string }[] {
  // A nested record ("after": {...}) is read as its fields, named "after key", "after title"…
  const flat: [string, unknown][] = Object.entries(data).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !Object.values(v).every(isPlain)
      ? Object.entries(v as Record<string, unknown>).map(([sub, x]): [string, unknown] => [
          `${k} ${sub}`,
          x,
        ])
      : [[k, v] as [string, unknown]],
  );
  const keys = flat.map(([k]) => k);
  const pairs = flat.slice(0, DATA_FIELDS).map(([k, v]) => ({
    key: k
      .replace(/_/g, ' ')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase(),
    value: compactValue(v),
  }));
  if (keys.length > DATA_FIELDS) pairs.push({ key: '…', value: `+${keys.length - DATA_FIELDS}` });
  return pairs;
}

export const auditRow = (
  i: AuditItem,
  lang: ConsoleLang,
  zone = 'UTC',
  customers: ReadonlyMap<string, AuditCustomer> = new Map(),
) => {
  const c = i.customerId ? customers.get(i.customerId) : undefined;
  return {
    ...i,
    when: fmtDate(i.at, lang, zone),
    iso: new Date(i.at).toISOString(),
    // The table names the zone once, in its header; each row its date and time.
    whenShort: formatInZone(i.at, lang, zone).replace(/ \([^()]*\)$/, ''),
    typeLabel: eventTypeLabel(lang, i.type),
    // "key:<uuid>" shortened to its first characters; the whole on hover.
    actorShort: i.actor ? i.actor.replace(/^(\w+:[0-9a-f]{8})[0-9a-f-]{28}$/, '$1…') : null,
    customer: i.customerId
      ? {
          id: i.customerId,
          erased: c?.erased ?? false,
          // Unknown (deleted or never stored): the id's start, the whole id on hover.
          label: c ? c.name || c.externalId : `${i.customerId.slice(0, 8)}…`,
        }
      : null,
    data: dataPairs(i.data),
  };
};

/** The next page and the two exports, under the same filter (newest first). */
export function auditLinks(q: Record<string, string>, nextCursor: string | null) {
  const qs = new URLSearchParams({ ...q, order: 'desc' }).toString();
  return {
    nextUrl: nextCursor ? `/console/audit?${qs}&cursor=${encodeURIComponent(nextCursor)}` : null,
    csvUrl: `/console/audit/export?${qs}&format=csv`,
    ndjsonUrl: `/console/audit/export?${qs}&format=ndjson`,
  };
}
