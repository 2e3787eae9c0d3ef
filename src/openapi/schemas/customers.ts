import { LIFECYCLE_STAGES } from '../../audiences/audience-filter';
import { EVENT_TYPES } from '../../events/event.dto';
import {
  anyObject,
  arrayOf,
  bool,
  dateTime,
  enumOf,
  int,
  nullable,
  num,
  object,
  page,
  ref,
  serialId,
  str,
  uuid,
  type Schema,
} from './common';

export const CHANNEL = enumOf(['email', 'sms', 'voice']);
export const SUPPRESSION_REASON = enumOf(['hard_bounce', 'complaint', 'erasure', 'do_not_contact']);
const ADDRESS_TYPE = enumOf(['email', 'phone']);
const CONSENT_ACTION = enumOf(['grant', 'confirm', 'withdraw']);

/** Customers, their consent, events and imports (customers.controller and friends). */
export const CUSTOMER_SCHEMAS: Record<string, Schema> = {
  Customer: object(
    {
      id: uuid,
      externalId: str,
      kind: enumOf(['consumer', 'business']),
      name: nullable(str),
      email: nullable(str),
      phone: nullable({ ...str, description: 'E.164' }),
      timezone: { ...str, description: 'IANA time zone' },
      locale: str,
      company: nullable(str),
      accountManager: nullable(
        object({ name: nullable(str), phone: nullable(str), email: nullable(str) }),
      ),
      attributes: anyObject,
      lifecycleStage: enumOf(LIFECYCLE_STAGES),
      lifecycle: object({
        firstPurchaseAt: nullable(dateTime),
        lastPurchaseAt: nullable(dateTime),
        purchaseCount: int,
        lastSatisfactionScore: nullable(num),
        lastSatisfactionAt: nullable(dateTime),
        lastEngagementAt: nullable(dateTime),
        lastReviewAt: nullable(dateTime),
        lastComplaintAt: nullable(dateTime),
      }),
      erasedAt: nullable(dateTime),
      createdAt: dateTime,
      updatedAt: dateTime,
      suppressions: {
        ...arrayOf(
          object({ addressType: ADDRESS_TYPE, reason: SUPPRESSION_REASON, createdAt: dateTime }),
        ),
        description: 'Active suppressions of its addresses (one customer only, not in lists)',
      },
    },
    { optional: ['suppressions'] },
  ),
  CustomerList: page(ref('Customer')),
  ConsentState: object(
    {
      channel: CHANNEL,
      topic: str,
      status: enumOf(['granted', 'confirmed', 'withdrawn']),
      since: dateTime,
      lastEventId: serialId,
    },
    { optional: ['since', 'lastEventId'] },
  ),
  ConsentEvent: object({
    id: serialId,
    customerId: uuid,
    channel: CHANNEL,
    topic: str,
    action: CONSENT_ACTION,
    source: str,
    confirmed: bool,
    occurredAt: dateTime,
    evidence: {
      ...object(
        {
          ip: nullable(str),
          userAgent: nullable(str),
          wording: nullable(str),
          wordingHash: nullable(str),
          wordingVersion: nullable(str),
        },
        { open: true, optional: ['ip', 'userAgent', 'wording', 'wordingHash', 'wordingVersion'] },
      ),
    },
    actor: nullable(str),
    data: anyObject,
  }),
  RecordedConsent: object({ event: ref('ConsentEvent'), state: arrayOf(ref('ConsentState')) }),
  ConsentLedger: object({
    ledger: arrayOf(ref('ConsentEvent')),
    state: arrayOf(ref('ConsentState')),
  }),
  RecordedEvents: object({
    accepted: int,
    recorded: int,
    duplicates: int,
    items: arrayOf(
      object({
        id: serialId,
        customerId: uuid,
        type: enumOf(EVENT_TYPES),
        occurredAt: dateTime,
        eventId: nullable(str),
        duplicate: bool,
      }),
    ),
  }),
  ImportReport: object(
    {
      importId: uuid,
      status: enumOf(['completed', 'failed', 'interrupted']),
      format: enumOf(['ndjson', 'csv']),
      rows: int,
      inserted: int,
      updated: int,
      failed: int,
      errors: arrayOf(object({ line: int, field: str, message: str })),
      errorsTruncated: bool,
      lastCommittedLine: int,
      failure: str,
    },
    { optional: ['failure'] },
  ),
  ImportRecord: object({
    id: uuid,
    actor: str,
    format: enumOf(['ndjson', 'csv']),
    status: enumOf(['running', 'completed', 'failed', 'interrupted']),
    startedAt: dateTime,
    finishedAt: nullable(dateTime),
    rowsRead: int,
    inserted: int,
    updated: int,
    rowsWritten: int,
    rowsRefused: int,
    lastCommittedLine: int,
    failure: nullable(str),
  }),
  ImportRecordList: arrayOf(ref('ImportRecord')),
};
