import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CustomerKind, DEFAULT_POLICIES } from '../policy/engine';
import { decodeCursor, encodeCursor } from './audit-filter';
import { AUDIT_SELECT, AuditItem, toAuditItem } from './audit-query.service';
import { sentence } from './sentences';
import type { TimelineLocale } from './sentence-words';
import { notFound } from '../common/domain-error';

export interface TimelineEntry extends AuditItem {
  campaignName: string | null;
  sentence: string;
}

interface TopicInfo {
  title: Record<string, string>;
  category: string;
}

const TOPICS_TTL_MS = 10_000;

export const timelineLocale = (requested: string | undefined, customer: string): TimelineLocale =>
  (requested ?? customer).toLowerCase().startsWith('ru') ? 'ru' : 'en';

@Injectable()
export class TimelineService {
  constructor(private readonly dataSource: DataSource) {}

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
    const after = opts.cursor ? decodeCursor(opts.cursor) : null;
    const desc = opts.order === 'desc';
    // One round trip: the customer, the page through the (customer_id, id) index of each
    // partition merged in id order (stopping after limit + 1 rows), and the campaign names.
    const all: (Parameters<typeof toAuditItem>[0] & {
      c_kind: string;
      c_locale: string;
      c_timezone: string;
      campaign_name: string | null;
      campaign_topic: string | null;
    })[] = await this.dataSource.query(
      `SELECT cu.kind AS c_kind, cu.locale AS c_locale, cu.timezone AS c_timezone, a.*,
              cmp.name AS campaign_name, cmp.topic AS campaign_topic
         FROM customers cu
         LEFT JOIN LATERAL (
           SELECT ${AUDIT_SELECT} FROM audit_events
            WHERE customer_id = $1 AND ($2::bigint IS NULL OR id ${desc ? '<' : '>'} $2::bigint)
            ORDER BY audit_events.id ${desc ? 'DESC' : 'ASC'} LIMIT $3) a ON true
         LEFT JOIN campaigns cmp ON cmp.id = a.campaign_id
        WHERE cu.id = $1
        ORDER BY a.id::bigint ${desc ? 'DESC' : 'ASC'}`,
      [customerId, after, opts.limit + 1],
    );
    if (!all.length) throw notFound([`customer ${customerId} not found`]);
    const c = { kind: all[0].c_kind, locale: all[0].c_locale, timezone: all[0].c_timezone };
    const locale = timelineLocale(opts.locale, c.locale);
    const rows = all.filter((r) => r.id !== null);
    const known = new Map<string, { name: string; topic: string }>();
    for (const r of rows)
      if (r.campaign_id && r.campaign_name)
        known.set(r.campaign_id, { name: r.campaign_name, topic: r.campaign_topic ?? '' });
    const page = rows.slice(0, opts.limit).map(toAuditItem);
    const items = await this.describe(page, { locale, zone: c.timezone, kind: c.kind }, known);
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
    known = new Map<string, { name: string; topic: string }>(),
  ): Promise<TimelineEntry[]> {
    const campaignIds = new Set<string>();
    for (const i of items) {
      if (i.campaignId && !known.has(i.campaignId)) campaignIds.add(i.campaignId);
      const winner = i.data?.winnerCampaignId;
      if (typeof winner === 'string' && /^[0-9a-f-]{36}$/i.test(winner) && !known.has(winner))
        campaignIds.add(winner);
    }
    const campaigns = new Map(known);
    if (campaignIds.size) {
      const rows: { id: string; name: string; topic: string }[] = await this.dataSource.query(
        `SELECT id, name, topic FROM campaigns WHERE id = ANY($1::uuid[])`,
        [[...campaignIds]],
      );
      for (const r of rows) campaigns.set(r.id, r);
    }
    const topics = await this.topics();
    const windows = await this.budgetWindows(items, ctx.kind);

    let titleMap: Record<string, string> | null = null;
    const titles = () =>
      (titleMap ??= Object.fromEntries(
        [...topics].map(([key, t]) => [key, t.title[ctx.locale] ?? t.title.en ?? key]),
      ));
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
            topicTitles: i.type === 'preferences.changed' ? titles() : undefined,
          },
          ctx,
        ),
      };
    });
  }

  // Topics are few and change rarely: read at most every TOPICS_TTL_MS.
  private topicCache: { at: number; map: Map<string, TopicInfo> } | null = null;

  private async topics(): Promise<Map<string, TopicInfo>> {
    if (this.topicCache && Date.now() - this.topicCache.at < TOPICS_TTL_MS)
      return this.topicCache.map;
    const rows: ({ key: string } & TopicInfo)[] = await this.dataSource.query(
      `SELECT key, title, category FROM topics`,
    );
    const map = new Map(rows.map((t) => [t.key, { title: t.title, category: t.category }]));
    this.topicCache = { at: Date.now(), map };
    return map;
  }

  /**
   * budget_exhausted names the limit that applied ("the six-month limit"). When the decision did
   * not record its window, the longest window of the category in that policy version is used.
   * A policy version never changes once stored, so what was read is kept.
   */
  private windowCache = new Map<string, Record<string, number>>();

  private async budgetWindows(items: AuditItem[], kind: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const versions = [
      ...new Set(
        items
          .filter((i) => i.reason === 'budget_exhausted' && i.policyVersion !== null)
          .map((i) => i.policyVersion as number),
      ),
    ];
    const missing = versions.filter((v) => !this.windowCache.has(`${kind}:${v}`));
    if (missing.length) {
      const rows: { version: number; budgets: Record<string, { windowDays: number }[]> | null }[] =
        await this.dataSource.query(
          `SELECT version, body->'budgets' AS budgets FROM contact_policies
            WHERE kind = $1 AND version = ANY($2::int[])`,
          [kind, missing],
        );
      // Version 1 is the built-in default until an admin stores a version of their own.
      const builtIn = DEFAULT_POLICIES[kind as CustomerKind];
      if (
        builtIn &&
        missing.includes(builtIn.version) &&
        !rows.some((r) => r.version === builtIn.version)
      )
        rows.push({
          version: builtIn.version,
          budgets: builtIn.budgets as unknown as Record<string, { windowDays: number }[]>,
        });
      for (const r of rows) {
        const windows: Record<string, number> = {};
        for (const [category, list] of Object.entries(r.budgets ?? {}))
          if (Array.isArray(list) && list.length)
            windows[category] = Math.max(...list.map((b) => Number(b.windowDays) || 0));
        this.windowCache.set(`${kind}:${r.version}`, windows);
      }
    }
    for (const v of versions)
      for (const [category, days] of Object.entries(this.windowCache.get(`${kind}:${v}`) ?? {}))
        out.set(`${v}:${category}`, days);
    return out;
  }
}
