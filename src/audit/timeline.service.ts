import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from './audit-filter';
import { AUDIT_SELECT, AuditItem, toAuditItem } from './audit-query.service';
import { sentence, TimelineLocale } from './sentences';

export interface TimelineEntry extends AuditItem {
  campaignName: string | null;
  sentence: string;
}

export interface CustomerRef {
  id: string;
  kind: string;
  locale: string;
  timezone: string;
  erased_at: Date | null;
}

export const timelineLocale = (requested: string | undefined, customer: string): TimelineLocale =>
  (requested ?? customer).toLowerCase().startsWith('ru') ? 'ru' : 'en';

@Injectable()
export class TimelineService {
  constructor(private readonly dataSource: DataSource) {}

  async customer(id: string): Promise<CustomerRef> {
    const [c]: CustomerRef[] = await this.dataSource.query(
      `SELECT id, kind, locale, timezone, erased_at FROM customers WHERE id = $1`,
      [id],
    );
    if (!c) throw new NotFoundException([`customer ${id} not found`]);
    return c;
  }

  /** The customer's history, newest first by default, each entry told as a sentence. */
  async timeline(
    customerId: string,
    opts: { locale?: 'ru' | 'en'; cursor?: string; limit: number; order: 'asc' | 'desc' },
  ): Promise<{
    customerId: string;
    locale: TimelineLocale;
    timezone: string;
    items: TimelineEntry[];
    nextCursor: string | null;
  }> {
    const c = await this.customer(customerId);
    const locale = timelineLocale(opts.locale, c.locale);
    const after = opts.cursor ? decodeCursor(opts.cursor) : null;
    const desc = opts.order === 'desc';
    // The (customer_id, id) index per partition, merged in id order; stops after limit + 1 rows.
    const rows = await this.dataSource.query(
      `SELECT ${AUDIT_SELECT} FROM audit_events
        WHERE customer_id = $1 AND ($2::bigint IS NULL OR id ${desc ? '<' : '>'} $2::bigint)
        ORDER BY audit_events.id ${desc ? 'DESC' : 'ASC'} LIMIT $3`,
      [customerId, after, opts.limit + 1],
    );
    const page = (rows as Parameters<typeof toAuditItem>[0][])
      .slice(0, opts.limit)
      .map(toAuditItem);
    const items = await this.describe(page, { locale, zone: c.timezone, kind: c.kind });
    return {
      customerId,
      locale,
      timezone: c.timezone,
      items,
      nextCursor: rows.length > opts.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /** Adds campaign names, topic titles and budget windows, then the sentence. */
  async describe(
    items: AuditItem[],
    ctx: { locale: TimelineLocale; zone: string; kind: string },
  ): Promise<TimelineEntry[]> {
    const campaignIds = new Set<string>();
    for (const i of items) {
      if (i.campaignId) campaignIds.add(i.campaignId);
      const winner = i.data?.winnerCampaignId;
      if (typeof winner === 'string' && /^[0-9a-f-]{36}$/i.test(winner)) campaignIds.add(winner);
    }
    const campaigns = new Map<string, { name: string; topic: string }>();
    if (campaignIds.size) {
      const rows: { id: string; name: string; topic: string }[] = await this.dataSource.query(
        `SELECT id, name, topic FROM campaigns WHERE id = ANY($1::uuid[])`,
        [[...campaignIds]],
      );
      for (const r of rows) campaigns.set(r.id, r);
    }
    const topics = new Map<string, { title: Record<string, string>; category: string }>();
    const topicRows: { key: string; title: Record<string, string>; category: string }[] =
      await this.dataSource.query(`SELECT key, title, category FROM topics`);
    for (const t of topicRows) topics.set(t.key, t);
    const windows = await this.budgetWindows(items, ctx.kind);

    return items.map((i) => {
      const campaign = i.campaignId ? campaigns.get(i.campaignId) : undefined;
      const topicKey =
        (typeof i.data?.topic === 'string' ? i.data.topic : undefined) ?? campaign?.topic;
      const topic = topicKey ? topics.get(topicKey) : undefined;
      const data = topicKey && !i.data?.topic ? { ...i.data, topic: topicKey } : i.data;
      const winner = typeof i.data?.winnerCampaignId === 'string' ? i.data.winnerCampaignId : null;
      return {
        ...i,
        campaignName: campaign?.name ?? null,
        sentence: sentence(
          {
            type: i.type,
            reason: i.reason,
            channel: i.channel,
            data,
            campaignName: campaign?.name ?? null,
            topicTitle: topic ? (topic.title[ctx.locale] ?? topic.title.en ?? topicKey) : topicKey,
            windowDays:
              (typeof i.data?.windowDays === 'number' ? i.data.windowDays : null) ??
              (topic && i.policyVersion !== null
                ? (windows.get(`${i.policyVersion}:${topic.category}`) ?? null)
                : null),
            winnerCampaignName: winner ? (campaigns.get(winner)?.name ?? null) : null,
          },
          ctx,
        ),
      };
    });
  }

  /**
   * budget_exhausted names the limit that applied ("the six-month limit"). When the decision did
   * not record its window, the longest window of the category in that policy version is used.
   */
  private async budgetWindows(items: AuditItem[], kind: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const versions = [
      ...new Set(
        items
          .filter((i) => i.reason === 'budget_exhausted' && i.policyVersion !== null)
          .map((i) => i.policyVersion as number),
      ),
    ];
    if (!versions.length) return out;
    const rows: { version: number; budgets: Record<string, { windowDays: number }[]> | null }[] =
      await this.dataSource.query(
        `SELECT version, body->'budgets' AS budgets FROM contact_policies
          WHERE kind = $1 AND version = ANY($2::int[])`,
        [kind, versions],
      );
    for (const r of rows)
      for (const [category, list] of Object.entries(r.budgets ?? {}))
        if (Array.isArray(list) && list.length)
          out.set(
            `${r.version}:${category}`,
            Math.max(...list.map((b) => Number(b.windowDays) || 0)),
          );
    return out;
  }
}
