import { parseStorableInstant } from '../common/strict-values';
import type { LifecycleStage } from '../customers/lifecycle';

export const LIFECYCLE_STAGES = [
  'prospect',
  'new',
  'active',
  'lapsing',
  'lapsed',
] as const satisfies readonly LifecycleStage[];
// Fails to compile when lifecycle.ts gains a stage that this list lacks.
type MissingStage = Exclude<LifecycleStage, (typeof LIFECYCLE_STAGES)[number]>;
export const LIFECYCLE_STAGES_COMPLETE: [MissingStage] extends [never] ? true : never = true;

/**
 * The audience filter language: `{ all: [...] }`, `{ any: [...] }`, `{ not: {...} }` and
 * comparisons `{ field, op, value }`. `{}` and `{ all: [] }` match everyone, `{ any: [] }` nobody.
 */
export type AudienceFilter =
  | { all: AudienceFilter[] }
  | { any: AudienceFilter[] }
  | { not: AudienceFilter }
  | AudienceCondition
  | Record<string, never>;

export const AUDIENCE_OPS = [
  'eq',
  'ne',
  'in',
  'nin',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
  'contains',
  'withinDays',
  'olderThanDays',
] as const;
export type AudienceOp = (typeof AUDIENCE_OPS)[number];

export interface AudienceCondition {
  field: string;
  op: AudienceOp;
  value: unknown;
}

export const AUDIENCE_LIMITS = {
  /** Nesting of all/any/not below the root. */
  maxDepth: 8,
  /** Every node counts: groups and comparisons. */
  maxConditions: 200,
  /** Items of an `in` / `nin` list. */
  maxListItems: 500,
  maxStringLength: 500,
  maxDays: 36_500,
  /** `attributes.a.b.c`: at most this many keys below `attributes`. */
  maxAttributeDepth: 5,
} as const;

export type FieldKind =
  | 'enum'
  | 'text'
  | 'presence'
  | 'boolean'
  | 'date'
  | 'number'
  | 'lifecycle'
  | 'topic'
  | 'attribute';

/** How a field compiles: `column` is a fixed SQL expression over the alias `c` (never user input). */
export type FieldSpec =
  | { kind: 'enum'; column: string; values: readonly string[] }
  | { kind: 'text' | 'presence' | 'boolean' | 'date' | 'number'; column: string }
  | { kind: 'lifecycle' }
  | { kind: 'topic'; channel: 'email' | 'sms' | 'voice' | null }
  | { kind: 'attribute'; path: string[] };

const OPS_BY_KIND: Record<FieldKind, readonly AudienceOp[]> = {
  enum: ['eq', 'ne', 'in', 'nin'],
  lifecycle: ['eq', 'ne', 'in', 'nin'],
  text: ['eq', 'ne', 'in', 'nin', 'contains', 'exists'],
  presence: ['exists'],
  boolean: ['eq', 'ne'],
  date: ['gt', 'gte', 'lt', 'lte', 'withinDays', 'olderThanDays', 'exists'],
  number: ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'exists'],
  topic: ['eq', 'ne', 'in', 'nin'],
  attribute: ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists'],
};

const COLUMN_FIELDS = new Map<string, FieldSpec>([
  ['kind', { kind: 'enum', column: 'c.kind', values: ['consumer', 'business'] }],
  ['locale', { kind: 'text', column: 'c.locale' }],
  ['timezone', { kind: 'text', column: 'c.timezone' }],
  ['company', { kind: 'text', column: 'c.company' }],
  ['externalId', { kind: 'text', column: 'c.external_id' }],
  ['email', { kind: 'presence', column: 'c.email' }],
  ['phone', { kind: 'presence', column: 'c.phone' }],
  ['hasEmail', { kind: 'boolean', column: "(c.email IS NOT NULL AND c.email <> '')" }],
  ['hasPhone', { kind: 'boolean', column: "(c.phone IS NOT NULL AND c.phone <> '')" }],
  // A call is bridged from the account manager's phone (voice campaigns count who can be called).
  [
    'hasAccountManagerPhone',
    {
      kind: 'boolean',
      column: "(c.account_manager_phone IS NOT NULL AND c.account_manager_phone <> '')",
    },
  ],
  ['createdAt', { kind: 'date', column: 'c.created_at' }],
  ['firstPurchaseAt', { kind: 'date', column: 'c.first_purchase_at' }],
  ['lastPurchaseAt', { kind: 'date', column: 'c.last_purchase_at' }],
  ['lastSatisfactionAt', { kind: 'date', column: 'c.last_satisfaction_at' }],
  ['lastEngagementAt', { kind: 'date', column: 'c.last_engagement_at' }],
  ['lastReviewAt', { kind: 'date', column: 'c.last_review_at' }],
  ['lastComplaintAt', { kind: 'date', column: 'c.last_complaint_at' }],
  ['purchaseCount', { kind: 'number', column: 'c.purchase_count' }],
  ['satisfaction', { kind: 'number', column: 'c.last_satisfaction_score' }],
  ['lifecycleStage', { kind: 'lifecycle' }],
  ['subscribedTo', { kind: 'topic', channel: null }],
  ['subscribedTo.email', { kind: 'topic', channel: 'email' }],
  ['subscribedTo.sms', { kind: 'topic', channel: 'sms' }],
  ['subscribedTo.voice', { kind: 'topic', channel: 'voice' }],
]);

/** Field names a marketer can use (attributes.<key> besides). */
export const AUDIENCE_FIELDS = [...COLUMN_FIELDS.keys(), 'attributes.<key>'];

const ATTRIBUTE_KEY = /^[\p{L}\p{N}_-]{1,64}$/u;
const TOPIC_KEY = /^[a-z][a-z0-9_-]{1,39}$/;
// A calendar date or a date-time with an explicit zone; nothing that Date.parse would guess at.
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** The spec of a field name, or null when unknown. */
export function fieldSpec(name: string): FieldSpec | null {
  const known = COLUMN_FIELDS.get(name);
  if (known) return known;
  if (!name.startsWith('attributes.')) return null;
  const path = name.slice('attributes.'.length).split('.');
  if (path.length > AUDIENCE_LIMITS.maxAttributeDepth) return null;
  if (!path.every((k) => ATTRIBUTE_KEY.test(k))) return null;
  return { kind: 'attribute', path };
}

/** A real calendar date or time within the years PostgreSQL and JS agree on (see strict-values). */
export const isIsoDate = (v: unknown): v is string =>
  typeof v === 'string' && ISO_DATE.test(v) && parseStorableInstant(v) !== null;

/** A short, quoted rendering of user input for messages. */
function shown(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const GROUP_KEYS = ['all', 'any', 'not'] as const;
const CONDITION_KEYS = ['field', 'op', 'value'];

/**
 * Validates a filter; returns [] when it is valid, otherwise messages that each name the path
 * of the fault, e.g. `audience.all[1].field: unknown field "foo"`.
 */
export function validateAudience(filter: unknown, root = 'audience'): string[] {
  const errors: string[] = [];
  let nodes = 0;
  let tooMany = false;

  const visit = (node: unknown, path: string, depth: number): void => {
    if (tooMany) return;
    if (++nodes > AUDIENCE_LIMITS.maxConditions) {
      tooMany = true;
      errors.push(`${root}: more than ${AUDIENCE_LIMITS.maxConditions} conditions`);
      return;
    }
    if (!isPlainObject(node)) {
      errors.push(`${path}: must be an object (all, any, not or a condition { field, op, value })`);
      return;
    }
    const keys = Object.keys(node);
    if (keys.length === 0) return; // everyone
    const groups = GROUP_KEYS.filter((k) => Object.hasOwn(node, k));
    if (groups.length > 0) {
      const extra = keys.filter((k) => k !== groups[0]);
      if (extra.length > 0) {
        errors.push(
          `${path}: "${groups[0]}" cannot be combined with ${extra.map(shown).join(', ')}`,
        );
        return;
      }
      if (depth >= AUDIENCE_LIMITS.maxDepth) {
        errors.push(`${path}: nested deeper than ${AUDIENCE_LIMITS.maxDepth} levels`);
        return;
      }
      const key = groups[0];
      const inner = node[key];
      if (key === 'not') {
        visit(inner, `${path}.not`, depth + 1);
        return;
      }
      if (!Array.isArray(inner)) {
        errors.push(`${path}.${key}: must be an array of conditions`);
        return;
      }
      inner.forEach((child, i) => visit(child, `${path}.${key}[${i}]`, depth + 1));
      return;
    }
    const unknown = keys.filter((k) => !CONDITION_KEYS.includes(k));
    if (unknown.length > 0) {
      errors.push(
        `${path}: unknown key ${unknown.map(shown).join(', ')} (expected all, any, not or field, op, value)`,
      );
      return;
    }
    errors.push(...validateCondition(node, path));
  };

  visit(filter, root, 0);
  return errors;
}

function validateCondition(node: Record<string, unknown>, path: string): string[] {
  const { field, op, value } = node;
  const errors: string[] = [];
  let spec: FieldSpec | null = null;
  if (typeof field !== 'string') errors.push(`${path}.field: must be a string`);
  else {
    spec = fieldSpec(field);
    if (!spec) errors.push(`${path}.field: unknown field ${shown(field)}`);
  }
  if (typeof op !== 'string') errors.push(`${path}.op: must be a string`);
  else if (!(AUDIENCE_OPS as readonly string[]).includes(op))
    errors.push(`${path}.op: unknown operator ${shown(op)}`);
  if (errors.length > 0 || !spec) return errors;
  const operator = op as AudienceOp;
  const allowed = OPS_BY_KIND[spec.kind];
  if (!allowed.includes(operator)) {
    return [
      `${path}.op: operator "${operator}" is not allowed for field ${shown(field)} (allowed: ${allowed.join(', ')})`,
    ];
  }
  if (!Object.hasOwn(node, 'value')) return [`${path}.value: is required`];
  const problem = valueProblem(spec, operator, value);
  return problem ? [`${path}.value: ${problem}`] : [];
}

type Check = (v: unknown) => string | null;

// PostgreSQL text and jsonb refuse NUL and unpaired surrogates: a 400 here, not a 500 there.
const UNSTORABLE = /\p{Cs}/u;
const stringCheck: Check = (v) =>
  typeof v !== 'string'
    ? 'must be a string'
    : v.length > AUDIENCE_LIMITS.maxStringLength
      ? `must be at most ${AUDIENCE_LIMITS.maxStringLength} characters`
      : v.includes('\u0000') || UNSTORABLE.test(v)
        ? 'must not contain NUL characters or unpaired surrogates'
        : null;
const numberCheck: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) ? null : 'must be a number';
const booleanCheck: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const dateCheck: Check = (v) =>
  isIsoDate(v) ? null : 'must be an ISO 8601 date such as 2026-01-31 or 2026-01-31T10:00:00Z';
const daysCheck: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= AUDIENCE_LIMITS.maxDays
    ? null
    : `must be a whole number of days from 0 to ${AUDIENCE_LIMITS.maxDays}`;
const enumCheck =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`;
const topicCheck: Check = (v) =>
  typeof v === 'string' && TOPIC_KEY.test(v) ? null : 'must be a topic key such as tips';
const scalarCheck: Check = (v) =>
  typeof v === 'boolean'
    ? null
    : typeof v === 'number'
      ? numberCheck(v)
      : typeof v === 'string'
        ? stringCheck(v)
        : 'must be a string, number or boolean';
const orderedCheck: Check = (v) =>
  typeof v === 'number'
    ? numberCheck(v)
    : typeof v === 'string'
      ? stringCheck(v)
      : 'must be a number or a string';
const containsCheck: Check = (v) =>
  stringCheck(v) ?? ((v as string).length === 0 ? 'must not be empty' : null);

function listCheck(item: Check): Check {
  return (v) => {
    if (!Array.isArray(v) || v.length === 0) return 'must be a non-empty array';
    if (v.length > AUDIENCE_LIMITS.maxListItems)
      return `must have at most ${AUDIENCE_LIMITS.maxListItems} items`;
    for (let i = 0; i < v.length; i++) {
      const p = item(v[i]);
      if (p) return `[${i}] ${p}`;
    }
    return null;
  };
}

/** For attributes: the items of a list must all be strings, all numbers or all booleans. */
const sameTypeList: Check = (v) => {
  const p = listCheck(scalarCheck)(v);
  if (p) return p;
  const types = new Set((v as unknown[]).map((x) => typeof x));
  return types.size > 1 ? 'must hold values of one type (all strings, numbers or booleans)' : null;
};

function valueProblem(spec: FieldSpec, op: AudienceOp, value: unknown): string | null {
  if (op === 'exists') return booleanCheck(value);
  const list = op === 'in' || op === 'nin';
  let item: Check;
  switch (spec.kind) {
    case 'enum':
      item = enumCheck(spec.values);
      break;
    case 'lifecycle':
      item = enumCheck(LIFECYCLE_STAGES);
      break;
    case 'topic':
      item = topicCheck;
      break;
    case 'boolean':
      item = booleanCheck;
      break;
    case 'number':
      item = numberCheck;
      break;
    case 'date':
      item = op === 'withinDays' || op === 'olderThanDays' ? daysCheck : dateCheck;
      break;
    case 'text':
      item = op === 'contains' ? containsCheck : stringCheck;
      break;
    case 'presence':
      return 'only exists applies'; // unreachable: only `exists` is allowed
    case 'attribute':
      if (list) return sameTypeList(value);
      item =
        op === 'contains' ? containsCheck : op === 'eq' || op === 'ne' ? scalarCheck : orderedCheck;
      break;
  }
  return list ? listCheck(item)(value) : item(value);
}

/** The topic keys a valid filter refers to (subscribedTo*), with the path of each value. */
export function audienceTopics(filter: AudienceFilter): { path: string; topic: string }[] {
  const found: { path: string; topic: string }[] = [];
  const visit = (node: Record<string, unknown>, path: string): void => {
    if (Array.isArray(node.all)) node.all.forEach((n, i) => visit(n, `${path}.all[${i}]`));
    else if (Array.isArray(node.any)) node.any.forEach((n, i) => visit(n, `${path}.any[${i}]`));
    else if (isPlainObject(node.not)) visit(node.not, `${path}.not`);
    else if (typeof node.field === 'string' && fieldSpec(node.field)?.kind === 'topic') {
      if (Array.isArray(node.value))
        node.value.forEach((v, i) => found.push({ path: `${path}.value[${i}]`, topic: String(v) }));
      else found.push({ path: `${path}.value`, topic: String(node.value) });
    }
  };
  visit(filter as Record<string, unknown>, 'audience');
  return found;
}
