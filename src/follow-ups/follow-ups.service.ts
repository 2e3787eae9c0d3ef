import { isUuid } from '../common/strict-values';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { conflict, invalid, notFound } from '../common/domain-error';
import type { FollowUpReason } from './follow-up-reasons';
import type { FollowUpDto, FollowUpListDto, ResolvedFollowUpDto } from './follow-ups.dto';
import { LIST_OPEN_FOLLOW_UPS, LOCK_FOLLOW_UP, MARK_RESOLVED } from './follow-ups.sql';

const PAGE = 50;

interface ListRow {
  id: string;
  customer_id: string;
  reasons: FollowUpReason[];
  event_ids: string[];
  delivery_ids: string[];
  opened_at: Date;
  kind: 'consumer' | 'business';
  name: string | null;
  company: string | null;
  external_id: string;
}

/** The keyset of the last row shown: when it opened and its id. */
const encodeCursor = (r: ListRow) =>
  Buffer.from(`${r.opened_at.toISOString()}|${r.id}`).toString('base64url');

function decodeCursor(cursor: string): [Date, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const when = new Date(at ?? '');
  if (Number.isNaN(when.getTime()) || !isUuid(id)) throw invalid(['cursor is not valid']);
  return [when, id];
}

/** The follow-ups people answer: the open ones, oldest first, and resolving one. */
@Injectable()
export class FollowUpsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async listOpen(q: { cursor?: string; limit?: string }): Promise<FollowUpListDto> {
    const limit = Math.max(1, Math.min(Number(q.limit ?? PAGE) || PAGE, 200));
    const [after, afterId] = q.cursor ? decodeCursor(q.cursor) : [null, null];
    const rows: ListRow[] = await this.dataSource.query(LIST_OPEN_FOLLOW_UPS, [
      after,
      afterId,
      limit + 1,
    ]);
    const page = rows.slice(0, limit);
    return {
      items: page.map(toFollowUp),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }

  /**
   * Marks a follow-up resolved with who, when and the note, and writes `follow_up.resolved` (ids
   * only; the note stays in the table, where erasure scrubs it) in the same transaction. Selling
   * to the customer resumes with the planner's next decision. A second resolve is a conflict.
   */
  async resolve(id: string, note: string, actor: string): Promise<ResolvedFollowUpDto> {
    return this.dataSource.transaction(async (m) => {
      const [row]: { id: string; resolved_at: Date | null }[] = await m.query(LOCK_FOLLOW_UP, [id]);
      if (!row) throw notFound([`follow-up ${id} not found`]);
      if (row.resolved_at)
        throw conflict([
          `follow-up ${id} was already resolved at ${row.resolved_at.toISOString()}`,
        ]);
      const now = this.clock.now();
      const [[done]]: [
        {
          id: string;
          customer_id: string;
          reasons: FollowUpReason[];
          opened_at: Date;
          resolved_at: Date;
          resolved_by: string;
          note: string;
        }[],
        number,
      ] = await m.query(MARK_RESOLVED, [id, now, actor, note]);
      await this.audit.record(
        {
          type: 'follow_up.resolved',
          customerId: done.customer_id,
          actor,
          at: now,
          data: { followUpId: id, reasons: done.reasons, openedAt: done.opened_at.toISOString() },
        },
        m,
      );
      return {
        id: done.id,
        customerId: done.customer_id,
        reasons: done.reasons,
        openedAt: done.opened_at,
        resolvedAt: done.resolved_at,
        resolvedBy: done.resolved_by,
        note: done.note,
      };
    });
  }
}

const toFollowUp = (r: ListRow): FollowUpDto => ({
  id: r.id,
  reason: r.reasons[0],
  reasons: r.reasons,
  customer: {
    id: r.customer_id,
    externalId: r.external_id,
    kind: r.kind,
    name: r.name,
    company: r.company,
  },
  eventIds: r.event_ids,
  deliveryIds: r.delivery_ids,
  openedAt: r.opened_at,
});
