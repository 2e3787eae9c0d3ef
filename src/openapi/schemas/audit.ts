import {
  anyObject,
  arrayOf,
  bool,
  counts,
  dateTime,
  enumOf,
  int,
  nullable,
  object,
  page,
  ref,
  serialId,
  str,
  uuid,
  type Schema,
  type SchemaObject,
} from './common';
import { CHANNEL } from './customers';

const auditItem = {
  id: serialId,
  at: dateTime,
  type: { ...str, description: 'The event type, e.g. consent.granted or decision.skip' },
  customerId: nullable(uuid),
  campaignId: nullable(uuid),
  deliveryId: nullable(str),
  channel: nullable(str),
  reason: nullable(str),
  policyVersion: nullable(int),
  actor: nullable(str),
  data: anyObject,
};

const consentProof = object({
  id: serialId,
  channel: str,
  topic: str,
  action: enumOf(['grant', 'confirm', 'withdraw']),
  source: str,
  confirmed: bool,
  occurredAt: dateTime,
  recordedAt: dateTime,
  ip: nullable(str),
  userAgent: nullable(str),
  wording: nullable({ ...str, description: 'Null once an erasure blanked it' }),
  wordingHash: nullable(str),
  wordingVersion: nullable(str),
  actor: str,
  data: anyObject,
});

const channelFigures: Record<string, Schema> = {
  decisions: object({
    send: int,
    defer: int,
    skip: int,
    deferReasons: counts,
    skipReasons: counts,
  }),
  deliveries: { ...counts, description: 'Deliveries by their current status' },
  cancelledReasons: counts,
  unsubscribes: int,
  complaints: int,
};

/** The audit log, its verification and the per-customer and per-campaign views of it. */
export const AUDIT_SCHEMAS: Record<string, Schema> = {
  AuditEvent: object(auditItem),
  AuditPage: page(ref('AuditEvent')),
  AuditVerifyReport: object(
    {
      ok: bool,
      seals: int,
      rows: int,
      unsealedRows: int,
      headHash: nullable(str),
      broken: object({
        seq: str,
        rowId: nullable(str),
        problem: enumOf([
          'row altered',
          'row removed',
          'row added',
          'seal altered',
          'chain broken',
        ]),
      }),
    },
    { optional: ['broken'] },
  ),
  Timeline: object({
    customerId: uuid,
    locale: enumOf(['ru', 'en']),
    timezone: str,
    items: arrayOf(
      object({ ...auditItem, campaignName: nullable(str), sentence: str }) as SchemaObject,
    ),
    nextCursor: nullable(str),
  }),
  EvidenceBundle: object({
    generatedAt: dateTime,
    company: object({ name: str, address: str }),
    customer: object({
      id: uuid,
      externalId: str,
      kind: enumOf(['consumer', 'business']),
      name: nullable(str),
      email: nullable(str),
      phone: nullable(str),
      locale: str,
      timezone: str,
      erasedAt: nullable(dateTime),
    }),
    consents: arrayOf(consentProof),
    withdrawals: arrayOf(consentProof),
    currentState: arrayOf(
      object({ channel: str, topic: str, status: str, since: dateTime, lastEventId: serialId }),
    ),
    messages: arrayOf(
      object({
        deliveryId: str,
        campaignId: uuid,
        campaignName: nullable(str),
        step: int,
        channel: CHANNEL,
        topic: str,
        category: enumOf(['content', 'promotional', 'service']),
        status: str,
        templateName: str,
        templateVersion: int,
        policyVersion: int,
        contentHash: nullable(str),
        contentRetained: bool,
        providerId: nullable(str),
        plannedAt: dateTime,
        sentAt: nullable(dateTime),
        finishedAt: nullable(dateTime),
        consent: nullable(consentProof),
      }),
    ),
  }),
  CampaignReport: object({
    campaignId: uuid,
    name: str,
    status: str,
    channels: arrayOf(
      object({
        channel: { ...str, description: "'none' for decisions made before a channel" },
        ...channelFigures,
      }),
    ),
    totals: object(channelFigures),
  }),
};
