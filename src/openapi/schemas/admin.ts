import { ROLES } from '../../auth/api-key.entity';
import {
  anyObject,
  arrayOf,
  bool,
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
} from './common';
import { SUPPRESSION_REASON } from './customers';

const localized = { type: 'object', additionalProperties: str } as const;

/** Settings an admin or marketer keeps: topics, policies, API keys, suppressions, health. */
export const ADMIN_SCHEMAS: Record<string, Schema> = {
  Error: object(
    { statusCode: int, error: str, message: { ...arrayOf(str), description: 'What is wrong' } },
    { open: true, optional: ['error'] },
  ),
  Health: object({ status: enumOf(['ok', 'unhealthy']), database: enumOf(['ok', 'unreachable']) }),
  Topic: object({
    key: str,
    category: enumOf(['content', 'promotional', 'service']),
    cadenceDays: nullable({ ...int, description: 'Days between messages of this topic' }),
    title: { ...localized, description: 'By locale' },
    description: { ...localized, description: 'By locale' },
    createdAt: dateTime,
    updatedAt: dateTime,
    archivedAt: nullable(dateTime),
  }),
  TopicList: page(ref('Topic')),
  Policy: {
    ...object(
      {
        kind: enumOf(['consumer', 'business']),
        version: int,
        channels: arrayOf(enumOf(['email', 'sms', 'voice'])),
        budgets: anyObject,
        quietHours: anyObject,
        createdAt: nullable({ ...dateTime, description: 'Null for the built-in default' }),
        createdBy: nullable(str),
      },
      { open: true },
    ),
    description: 'The contact policy document (its rule fields) with who saved this version',
  },
  PolicyVersions: page(ref('Policy')),
  CreatedApiKey: object({
    id: uuid,
    role: enumOf(ROLES),
    name: str,
    key: { ...str, description: 'The secret key: shown once' },
    createdAt: dateTime,
  }),
  ApiKeyList: page(
    object({
      id: uuid,
      name: str,
      role: enumOf(ROLES),
      prefix: { ...str, description: 'The first characters of the key' },
      createdAt: dateTime,
      revokedAt: nullable(dateTime),
    }),
  ),
  AddedSuppression: object({
    id: serialId,
    addressType: enumOf(['email', 'phone']),
    reason: SUPPRESSION_REASON,
    note: nullable(str),
    created: { ...bool, description: 'false: it was there already (200)' },
  }),
  SuppressionCheck: object({
    suppressed: bool,
    items: arrayOf(
      object({
        id: serialId,
        addressType: enumOf(['email', 'phone']),
        reason: SUPPRESSION_REASON,
        note: nullable(str),
        since: dateTime,
      }),
    ),
  }),
  FeedbackResult: object(
    {
      type: enumOf(['bounce', 'complaint']),
      deliveryId: nullable(str),
      status: nullable({ ...str, description: 'The delivery’s status after this report' }),
      ignored: bool,
      reason: str,
    },
    { optional: ['reason'] },
  ),
  InboundMailResult: object(
    {
      route: enumOf(['report', 'unsubscribe', 'reply', 'none']),
      handled: bool,
      reason: str,
    },
    { open: true, optional: ['handled', 'reason'] },
  ),
};
