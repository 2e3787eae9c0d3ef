import type { OpenAPIObject } from '@nestjs/swagger';

type AnySchema = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];
/** An inline OpenAPI schema (not a $ref). */
export type SchemaObject = Exclude<AnySchema, { $ref: string }>;

const nullable = (type: string, extra: SchemaObject = {}): SchemaObject => ({
  type,
  nullable: true,
  ...extra,
});
const dateTime: SchemaObject = { type: 'string', format: 'date-time' };

const customer: SchemaObject = {
  type: 'object',
  required: ['id', 'externalId', 'kind', 'timezone', 'locale', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    externalId: { type: 'string' },
    kind: { type: 'string', enum: ['consumer', 'business'] },
    name: nullable('string'),
    email: nullable('string'),
    phone: nullable('string'),
    timezone: { type: 'string' },
    locale: { type: 'string' },
    company: nullable('string'),
    accountManager: nullable('object', {
      properties: { name: nullable('string'), phone: nullable('string') },
    }),
    attributes: { type: 'object', additionalProperties: true },
    lifecycleStage: { type: 'string' },
    lifecycle: { type: 'object', additionalProperties: true },
    erasedAt: nullable('string', { format: 'date-time' }),
    createdAt: dateTime,
    updatedAt: dateTime,
    suppressions: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
};

const consentState: SchemaObject = {
  type: 'object',
  required: ['channel', 'topic', 'status'],
  properties: {
    channel: { type: 'string', enum: ['email', 'sms', 'voice'] },
    topic: { type: 'string' },
    status: { type: 'string', enum: ['granted', 'confirmed', 'withdrawn', 'pending'] },
    since: dateTime,
    lastEventId: { type: 'string' },
  },
};

const consentEvent: SchemaObject = {
  type: 'object',
  required: ['id', 'customerId', 'channel', 'topic', 'action', 'occurredAt'],
  properties: {
    id: { type: 'string' },
    customerId: { type: 'string', format: 'uuid' },
    channel: { type: 'string' },
    topic: { type: 'string' },
    action: { type: 'string', enum: ['grant', 'confirm', 'withdraw'] },
    source: { type: 'string' },
    confirmed: { type: 'boolean' },
    occurredAt: dateTime,
    evidence: { type: 'object', additionalProperties: true },
    actor: nullable('string'),
    data: { type: 'object', additionalProperties: true },
  },
};

const progress: SchemaObject = {
  type: 'object',
  required: ['status', 'audience', 'planned', 'sent', 'deferred', 'failed', 'unknown', 'cancelled'],
  properties: {
    status: { type: 'string' },
    audience: { type: 'number' },
    planned: { type: 'number' },
    sent: { type: 'number' },
    deferred: { type: 'number' },
    failed: { type: 'number' },
    unknown: { type: 'number' },
    unknownMeaning: { type: 'string' },
    skipped: { type: 'object', additionalProperties: { type: 'number' } },
    cancelled: { type: 'number' },
    byStatus: { type: 'object', additionalProperties: { type: 'number' } },
    steps: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
};

const anyObject: SchemaObject = { type: 'object', additionalProperties: true };
const list: SchemaObject = {
  type: 'object',
  properties: {
    items: { type: 'array', items: anyObject },
    nextCursor: nullable('string'),
  },
};

/**
 * Success bodies of operations whose handlers return plain objects (no response DTO class yet),
 * by operationId: the shape clients generate types from. A precise schema for the calls a client
 * needs first (customer, consent, progress); a described object for the rest.
 */
export const RESPONSE_SCHEMAS: Record<string, SchemaObject> = {
  CustomersController_upsert: customer,
  CustomersController_get: customer,
  CustomersController_patch: customer,
  CustomersController_list: {
    ...list,
    properties: { ...list.properties, items: { type: 'array', items: customer } },
  },
  ConsentController_record: {
    type: 'object',
    required: ['event', 'state'],
    properties: { event: consentEvent, state: { type: 'array', items: consentState } },
  },
  ConsentController_list: {
    type: 'object',
    properties: {
      events: { type: 'array', items: consentEvent },
      state: { type: 'array', items: consentState },
    },
    additionalProperties: true,
  },
  CampaignsController_progress: progress,
};

/** The fallback for a success answer with a body but no schema: an object, described. */
export const ANY_OBJECT = anyObject;
