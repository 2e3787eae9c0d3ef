import type { AuditItem } from '../audit/audit-query.service';
import { fmtDate, str } from './page';

export const AUDIT_FIELDS = ['customerId', 'campaignId', 'type', 'from', 'to'] as const;
const LOCAL_MINUTES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
/** How much of an event's data a row shows; the export has all of it. */
const DATA_SHOWN = 300;

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

export const auditRow = (i: AuditItem, lang: 'ru' | 'en', zone = 'UTC') => ({
  ...i,
  when: fmtDate(i.at, lang, zone),
  dataJson: JSON.stringify(i.data).slice(0, DATA_SHOWN),
});

/** The next page and the two exports, under the same filter (newest first). */
export function auditLinks(q: Record<string, string>, nextCursor: string | null) {
  const qs = new URLSearchParams({ ...q, order: 'desc' }).toString();
  return {
    nextUrl: nextCursor ? `/console/audit?${qs}&cursor=${encodeURIComponent(nextCursor)}` : null,
    csvUrl: `/console/audit/export?${qs}&format=csv`,
    ndjsonUrl: `/console/audit/export?${qs}&format=ndjson`,
  };
}
