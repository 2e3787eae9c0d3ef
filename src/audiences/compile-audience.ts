import { DEFAULT_LIFECYCLE } from '../customers/lifecycle';
import {
  fieldSpec,
  validateAudience,
  type AudienceCondition,
  type AudienceFilter,
  type AudienceOp,
  type FieldSpec,
} from './audience-filter';

const DAY = 86_400_000;

export interface CompileContext {
  now: Date;
  /** Values for the $n placeholders; compileAudience appends to it. */
  params: unknown[];
  /** The lapse thresholds; the same defaults as the customer API's lifecycleStage. */
  lifecycle?: { lapsingDays: number; lapsedDays: number };
}

/** A filter that failed validateAudience; `messages` name the path of each fault. */
export class InvalidAudienceError extends Error {
  constructor(readonly messages: string[]) {
    super(`invalid audience: ${messages.join('; ')}`);
    this.name = 'InvalidAudienceError';
  }
}

/**
 * Compiles a filter to a SQL boolean expression over the alias `c` (customers). User input only
 * ever reaches the SQL as $n placeholders: field names select a fixed column expression from a
 * whitelist, operators a fixed SQL operator. Every comparison is NULL-free (true or false), so
 * `not` is the exact complement and `ne` / `nin` include customers without the value.
 */
export function compileAudience(filter: AudienceFilter, ctx: CompileContext): string {
  const errors = validateAudience(filter);
  if (errors.length > 0) throw new InvalidAudienceError(errors);
  return compileNode(filter as Node, ctx);
}

type Node = Record<string, unknown>;

function compileNode(node: Node, ctx: CompileContext): string {
  if ('all' in node) return group(node.all as Node[], 'AND', ctx);
  if ('any' in node) return group(node.any as Node[], 'OR', ctx);
  if ('not' in node) return `(NOT ${compileNode(node.not as Node, ctx)})`;
  if (!('field' in node)) return 'TRUE';
  return compileCondition(node as unknown as AudienceCondition, ctx);
}

function group(children: Node[], joiner: 'AND' | 'OR', ctx: CompileContext): string {
  if (children.length === 0) return joiner === 'AND' ? 'TRUE' : 'FALSE';
  return `(${children.map((c) => compileNode(c, ctx)).join(` ${joiner} `)})`;
}

function param(ctx: CompileContext, value: unknown, cast: string): string {
  ctx.params.push(value);
  return `$${ctx.params.length}::${cast}`;
}

const COMPARE: Partial<Record<AudienceOp, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** LIKE pattern for a substring, with the wildcards of the input escaped. */
export const containsPattern = (s: string) => `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

function compileCondition(cond: AudienceCondition, ctx: CompileContext): string {
  const spec = fieldSpec(cond.field) as FieldSpec; // validated
  const { op, value } = cond;
  // ne / nin are the exact complements of eq / in.
  if (op === 'ne') return `(NOT ${positive(spec, 'eq', value, ctx)})`;
  if (op === 'nin') return `(NOT ${positive(spec, 'in', value, ctx)})`;
  return positive(spec, op, value, ctx);
}

function positive(spec: FieldSpec, op: AudienceOp, value: unknown, ctx: CompileContext): string {
  switch (spec.kind) {
    case 'enum':
    case 'text':
    case 'presence':
    case 'boolean':
    case 'number':
    case 'date':
      return columnCondition(spec.column, spec.kind, op, value, ctx);
    case 'lifecycle':
      return columnCondition(lifecycleExpression(ctx), 'enum', op, value, ctx);
    case 'topic':
      return subscribed(spec.channel, op === 'in' ? (value as string[]) : [value as string], ctx);
    case 'attribute':
      return attributeCondition(spec.path, op, value, ctx);
  }
}

function columnCondition(
  column: string,
  kind: 'enum' | 'text' | 'presence' | 'boolean' | 'number' | 'date',
  op: AudienceOp,
  value: unknown,
  ctx: CompileContext,
): string {
  if (op === 'exists') return `(${column} IS ${value === true ? 'NOT ' : ''}NULL)`;
  const cast =
    kind === 'number'
      ? 'numeric'
      : kind === 'date'
        ? 'timestamptz'
        : kind === 'boolean'
          ? 'boolean'
          : 'text';
  let expr: string;
  if (op === 'eq') expr = `${column} = ${param(ctx, value, cast)}`;
  else if (op === 'in') expr = `${column} = ANY(${param(ctx, value, `${cast}[]`)})`;
  else if (op === 'contains')
    expr = `${column} ILIKE ${param(ctx, containsPattern(value as string), 'text')} ESCAPE '\\'`;
  else if (op === 'withinDays' || op === 'olderThanDays') {
    const cutoff = new Date(ctx.now.getTime() - (value as number) * DAY).toISOString();
    expr = `${column} ${op === 'withinDays' ? '>=' : '<'} ${param(ctx, cutoff, 'timestamptz')}`;
  } else {
    const cmp = COMPARE[op];
    if (!cmp) throw new Error(`operator ${op} has no SQL form`); // validated before
    const v = kind === 'date' ? new Date(value as string).toISOString() : value;
    expr = `${column} ${cmp} ${param(ctx, v, cast)}`;
  }
  return `COALESCE(${expr}, FALSE)`;
}

/** The same rule as lifecycleStage() in src/customers/lifecycle.ts, with cut-offs from ctx.now. */
function lifecycleExpression(ctx: CompileContext): string {
  const cfg = ctx.lifecycle ?? DEFAULT_LIFECYCLE;
  const cutoff = (days: number) => new Date(ctx.now.getTime() - days * DAY).toISOString();
  const lapsed = param(ctx, cutoff(cfg.lapsedDays), 'timestamptz');
  const lapsing = param(ctx, cutoff(cfg.lapsingDays), 'timestamptz');
  return `(CASE WHEN c.purchase_count = 0 OR c.last_purchase_at IS NULL THEN 'prospect'
    WHEN c.last_purchase_at <= ${lapsed} THEN 'lapsed'
    WHEN c.last_purchase_at <= ${lapsing} THEN 'lapsing'
    WHEN c.purchase_count = 1 THEN 'new' ELSE 'active' END)`;
}

/**
 * A live consent (granted or confirmed) for the topic or '*' on the channel (any channel when
 * null) that no withdrawal of the other scope overrides. As in the policy engine
 * (marketingConsentProblem): between a topic entry and a '*' entry where one is withdrawn, the
 * later wins and a tie goes to the withdrawal.
 */
function subscribed(
  channel: 'email' | 'sms' | 'voice' | null,
  topics: string[],
  ctx: CompileContext,
): string {
  const channelSql = channel === null ? '' : ` AND s.channel = ${param(ctx, channel, 'text')}`;
  const one = (topic: string) => {
    const t = param(ctx, topic, 'text');
    return `EXISTS (SELECT 1 FROM consent_state s
      WHERE s.customer_id = c.id${channelSql} AND s.topic IN (${t}, '*')
        AND s.status IN ('granted', 'confirmed')
        AND NOT EXISTS (SELECT 1 FROM consent_state w
          WHERE w.customer_id = s.customer_id AND w.channel = s.channel
            AND w.topic IN (${t}, '*') AND w.topic <> s.topic
            AND w.status = 'withdrawn' AND w.since >= s.since))`;
  };
  return `(${topics.map(one).join(' OR ')})`;
}

/**
 * attributes.<path>: compared as JSON, so a string value matches only a JSON string and a number
 * only a JSON number; orderings and contains apply only to values of the matching JSON type.
 */
function attributeCondition(
  path: string[],
  op: AudienceOp,
  value: unknown,
  ctx: CompileContext,
): string {
  const p = param(ctx, path, 'text[]');
  const json = `(c.attributes #> ${p})`;
  const text = `(c.attributes #>> ${p})`;
  switch (op) {
    case 'exists':
      return value === true
        ? `COALESCE(jsonb_typeof(${json}) <> 'null', FALSE)`
        : `(NOT COALESCE(jsonb_typeof(${json}) <> 'null', FALSE))`;
    case 'eq':
      return `COALESCE(${json} = ${param(ctx, JSON.stringify(value), 'jsonb')}, FALSE)`;
    case 'in':
      return `COALESCE(${json} IN (SELECT jsonb_array_elements(${param(ctx, JSON.stringify(value), 'jsonb')})), FALSE)`;
    case 'contains':
      return `(CASE WHEN jsonb_typeof(${json}) = 'string'
        THEN ${text} ILIKE ${param(ctx, containsPattern(value as string), 'text')} ESCAPE '\\' ELSE FALSE END)`;
    default: {
      const cmp = COMPARE[op];
      if (!cmp) throw new Error(`operator ${op} has no SQL form`); // validated before
      // The CASE keeps the numeric cast away from values that are not JSON numbers.
      if (typeof value === 'number')
        return `(CASE WHEN jsonb_typeof(${json}) = 'number'
          THEN ${text}::numeric ${cmp} ${param(ctx, value, 'numeric')} ELSE FALSE END)`;
      return `(CASE WHEN jsonb_typeof(${json}) = 'string'
        THEN ${text} COLLATE "C" ${cmp} ${param(ctx, value, 'text')} COLLATE "C" ELSE FALSE END)`;
    }
  }
}
