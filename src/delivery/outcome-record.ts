import type { AuditEventType } from '../audit-log/audit-event-types';
import type { Outcome } from './send-outcome';
import type { ClaimedDelivery } from './sql/claim-due-deliveries';

/** What the record statement writes for one delivery: its new state and its audit row. */
export interface OutcomeRecord {
  id: string;
  status: string;
  nextAttemptAt: Date | null;
  providerId: string | null;
  providerStatus: string | null;
  contentHash: string | null;
  /** `code: error` of a failed attempt, kept as the delivery's last error. */
  error: string | null;
  type: AuditEventType;
  reason: string | null;
  /** The audit row's data, as JSON. */
  data: string;
  /** The rendered message of a sent one, as JSON, stored beside the audit. */
  content: string | null;
}

const STATUS_OF: Record<Outcome['kind'], string> = {
  sent: 'sent',
  cancelled: 'cancelled',
  deferred: 'planned',
  retry: 'planned',
  failed: 'failed',
  unknown: 'unknown',
};

const AUDIT_OF: Record<Outcome['kind'], AuditEventType> = {
  sent: 'delivery.sent',
  cancelled: 'delivery.cancelled',
  deferred: 'delivery.deferred',
  retry: 'delivery.retry',
  failed: 'delivery.failed',
  unknown: 'delivery.unknown',
};

/** The delivery's new state and audit row for an outcome. */
export function outcomeRecord(row: ClaimedDelivery, o: Outcome): OutcomeRecord {
  const attempt = o.kind === 'retry' || o.kind === 'failed' || o.kind === 'unknown' ? o : null;
  return {
    id: row.id,
    status: STATUS_OF[o.kind],
    nextAttemptAt: o.kind === 'retry' || o.kind === 'deferred' ? o.until : null,
    providerId: o.kind === 'sent' ? o.providerId : null,
    providerStatus: o.kind === 'sent' ? o.providerStatus : null,
    contentHash: o.kind === 'sent' ? o.contentHash : null,
    error: attempt ? `${attempt.code}: ${attempt.error}` : null,
    type: AUDIT_OF[o.kind],
    reason: o.kind === 'cancelled' || o.kind === 'deferred' ? o.reason : (attempt?.code ?? null),
    data: JSON.stringify(auditData(row, o)),
    content: o.kind === 'sent' ? JSON.stringify(o.content) : null,
  };
}

function auditData(row: ClaimedDelivery, o: Outcome): Record<string, unknown> {
  const base = { attempts: row.attempts, step: row.step, topic: row.topic };
  switch (o.kind) {
    case 'sent':
      return {
        ...base,
        templateName: row.template_name,
        templateVersion: row.template_version,
        contentHash: o.contentHash,
        providerId: o.providerId,
        transport: o.transport,
        consentEventId: row.consent_event_id,
        consentAtSend: o.consentAtSend ?? null,
      };
    case 'deferred':
      return { ...base, until: o.until.toISOString() };
    case 'retry':
      return { ...base, until: o.until.toISOString(), error: o.error };
    case 'failed':
    case 'unknown':
      return {
        ...base,
        error: o.error,
        ...(o.kind === 'failed' && o.action ? { action: o.action } : {}),
      };
    default:
      return base;
  }
}
