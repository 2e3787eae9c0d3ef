import { InStorableRange } from '../common/strict-values';
import { isBigintId } from '../common/strict-values';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { invalid } from '../common/domain-error';

const TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$/;
const TYPES_PATTERN = new RegExp(
  `^(${TYPE_PATTERN.source.slice(1, -1)})(,(${TYPE_PATTERN.source.slice(1, -1)}))*$`,
);

/** The filters of GET /v1/audit and its export (DESIGN.md), as query-string fields. */
export class AuditFilterQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'customerId must be a UUID' })
  customerId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'campaignId must be a UUID' })
  campaignId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'deliveryId must be a UUID' })
  deliveryId?: string;

  @ApiPropertyOptional({
    description:
      'An event type (delivery.sent), a prefix (decision.*), or several separated by commas',
    example: 'decision.*',
  })
  @IsOptional()
  @Matches(TYPES_PATTERN, {
    message: 'type must be event types or prefixes like decision.* separated by commas',
  })
  type?: string;

  @ApiPropertyOptional({ description: 'Inclusive lower bound of `at` (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  @InStorableRange('from')
  from?: string;

  @ApiPropertyOptional({ description: 'Exclusive upper bound of `at` (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  @InStorableRange('to')
  to?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], description: 'By id; default asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' })
  order?: 'asc' | 'desc';
}

export class AuditListQuery extends AuditFilterQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ description: 'Page size, 1–1000 (default 100)' })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'limit must be a whole number' })
  limit?: string;
}

export class AuditExportQuery extends AuditFilterQuery {
  @ApiPropertyOptional({ enum: ['csv', 'ndjson'], description: 'Default ndjson' })
  @IsOptional()
  @IsIn(['csv', 'ndjson'], { message: 'format must be csv or ndjson' })
  format?: 'csv' | 'ndjson';
}

export interface AuditFilter {
  customerId?: string;
  campaignId?: string;
  deliveryId?: string;
  /** Exact types and prefixes ('decision.' for decision.*). */
  types?: { exact: string[]; prefixes: string[] };
  from?: Date;
  to?: Date;
  order: 'asc' | 'desc';
}

/** Parses the validated query into a filter; 400 naming the field when the range is reversed. */
export function toAuditFilter(q: AuditFilterQuery): AuditFilter {
  const f: AuditFilter = { order: q.order ?? 'asc' };
  if (q.customerId) f.customerId = q.customerId;
  if (q.campaignId) f.campaignId = q.campaignId;
  if (q.deliveryId) f.deliveryId = q.deliveryId;
  if (q.type) {
    const parts = q.type.split(',');
    f.types = {
      exact: parts.filter((p) => !p.endsWith('.*')),
      prefixes: parts.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1)),
    };
  }
  if (q.from) f.from = new Date(q.from);
  if (q.to) f.to = new Date(q.to);
  if (f.from && f.to && f.from > f.to) throw invalid(['from must not be after to']);
  return f;
}

/** Opaque cursors: the last id of a page. */
export const encodeCursor = (id: string) => Buffer.from(`a:${id}`).toString('base64url');

/** The id a cursor carries, in canonical form and within bigint (beyond it PostgreSQL errors). */
export function decodeCursor(cursor: string, field = 'cursor'): string {
  const text = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString() : '';
  const id = text.startsWith('a:') ? text.slice(2) : '';
  if (!isBigintId(id)) throw invalid([`${field} is not valid`]);
  return id;
}

/** A parameterised WHERE clause over audit_events (alias-free); values are pushed onto params. */
export function auditWhere(f: AuditFilter, params: unknown[], afterId?: string): string {
  const where: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.customerId) where.push(`customer_id = ${p(f.customerId)}`);
  if (f.campaignId) where.push(`campaign_id = ${p(f.campaignId)}`);
  if (f.deliveryId) where.push(`delivery_id = ${p(f.deliveryId)}`);
  if (f.types) {
    const any: string[] = [];
    if (f.types.exact.length) any.push(`type = ANY(${p(f.types.exact)}::text[])`);
    for (const prefix of f.types.prefixes) any.push(`starts_with(type, ${p(prefix)})`);
    where.push(`(${any.join(' OR ')})`);
  }
  // `at` bounds also prune partitions.
  if (f.from) where.push(`at >= ${p(f.from)}`);
  if (f.to) where.push(`at < ${p(f.to)}`);
  if (afterId) where.push(`id ${f.order === 'desc' ? '<' : '>'} ${p(afterId)}`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}
