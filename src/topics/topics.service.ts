import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import type { CreateTopicDto, LocaleText, PatchTopicDto, TopicCategory } from './topics.dto';
import { conflict, notFound } from '../common/domain-error';

export interface Topic {
  key: string;
  category: TopicCategory;
  cadenceDays: number | null;
  title: LocaleText;
  description: LocaleText;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

interface TopicRow {
  key: string;
  category: TopicCategory;
  cadence_days: number | null;
  title: LocaleText;
  description: LocaleText;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

const toTopic = (r: TopicRow): Topic => ({
  key: r.key,
  category: r.category,
  cadenceDays: r.cadence_days,
  title: r.title,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  archivedAt: r.archived_at,
});

@Injectable()
export class TopicsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateTopicDto, actor: string): Promise<Topic> {
    return this.dataSource.transaction(async (m) => {
      const now = this.clock.now();
      const rows: TopicRow[] = await m.query(
        `INSERT INTO topics (key, category, cadence_days, title, description, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (key) DO NOTHING RETURNING *`,
        [
          dto.key,
          dto.category,
          dto.cadenceDays ?? null,
          JSON.stringify(dto.title),
          JSON.stringify(dto.description ?? {}),
          now,
        ],
      );
      if (!rows.length) throw conflict([`key ${dto.key} is already used by a topic`]);
      const topic = toTopic(rows[0]);
      await this.audit.record(
        { type: 'admin.topic_created', actor, data: { topic: topic.key, after: topic } },
        m,
      );
      return topic;
    });
  }

  async list(includeArchived: boolean): Promise<Topic[]> {
    const rows: TopicRow[] = await this.dataSource.query(
      `SELECT * FROM topics ${includeArchived ? '' : 'WHERE archived_at IS NULL'} ORDER BY key`,
    );
    return rows.map(toTopic);
  }

  async get(key: string, manager?: EntityManager, lock?: 'FOR SHARE' | 'FOR UPDATE') {
    const rows: TopicRow[] = await (manager ?? this.dataSource.manager).query(
      `SELECT * FROM topics WHERE key = $1 ${lock ?? ''}`,
      [key],
    );
    if (!rows.length) throw notFound([`topic ${key} not found`]);
    return toTopic(rows[0]);
  }

  /** The topic row, read-locked so its category cannot change while a consent names it. */
  async find(key: string, manager: EntityManager): Promise<Topic | null> {
    const rows: TopicRow[] = await manager.query(`SELECT * FROM topics WHERE key = $1 FOR SHARE`, [
      key,
    ]);
    return rows.length ? toTopic(rows[0]) : null;
  }

  async patch(key: string, dto: PatchTopicDto, actor: string): Promise<Topic> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.get(key, m, 'FOR UPDATE');
      if (before.archivedAt) throw conflict([`topic ${key} is archived`]);
      if (dto.category !== undefined && dto.category !== before.category) {
        const used: unknown[] = await m.query(
          `SELECT 1 FROM consent_events WHERE topic = $1 LIMIT 1`,
          [key],
        );
        if (used.length) {
          throw conflict([
            `category cannot change once consents name topic ${key}; create a new topic instead`,
          ]);
        }
      }
      // TypeORM answers an UPDATE with [rows, count].
      const [rows]: [TopicRow[], number] = await m.query(
        `UPDATE topics SET category = $2, cadence_days = $3, title = $4, description = $5, updated_at = $6
         WHERE key = $1 RETURNING *`,
        [
          key,
          dto.category ?? before.category,
          dto.cadenceDays === undefined ? before.cadenceDays : dto.cadenceDays,
          JSON.stringify(dto.title ?? before.title),
          JSON.stringify(dto.description ?? before.description),
          this.clock.now(),
        ],
      );
      const after = toTopic(rows[0]);
      await this.audit.record(
        { type: 'admin.topic_changed', actor, data: { topic: key, before, after } },
        m,
      );
      return after;
    });
  }

  /** Topics are archived, never deleted: the consent ledger keeps naming them. */
  async archive(key: string, actor: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const before = await this.get(key, m, 'FOR UPDATE');
      if (before.archivedAt) return;
      await m.query(`UPDATE topics SET archived_at = $2, updated_at = $2 WHERE key = $1`, [
        key,
        this.clock.now(),
      ]);
      await this.audit.record({ type: 'admin.topic_archived', actor, data: { topic: key } }, m);
    });
  }
}
