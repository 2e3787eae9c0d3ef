import { BadRequestException, Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { audienceTopics, validateAudience, type AudienceFilter } from './audience-filter';
import { compileAudience, type CompileContext } from './compile-audience';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_PAGE_SIZE = 10_000;

/** Options for embedding: the lapse thresholds used by lifecycleStage (defaults as the API's). */
export const AUDIENCE_LIFECYCLE = Symbol('AUDIENCE_LIFECYCLE');

@Injectable()
export class AudiencesService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Optional()
    @Inject(AUDIENCE_LIFECYCLE)
    private readonly lifecycle?: CompileContext['lifecycle'],
  ) {}

  /** Customers matching the filter, erased customers excluded. 400 naming the fault if invalid. */
  async count(filter: AudienceFilter | unknown, manager?: EntityManager): Promise<number> {
    const params: unknown[] = [];
    const where = await this.compile(filter, params, manager);
    const [row] = await (manager ?? this.db).query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM customers c WHERE c.erased_at IS NULL AND ${where}`,
      params,
    );
    return row.n;
  }

  /**
   * Customer ids after `afterId` in ascending id order (keyset paging: pass the last id of a page
   * to get the next; an empty page is the end). Erased customers are never included.
   */
  async page(
    filter: AudienceFilter | unknown,
    afterId: string | null,
    limit: number,
    manager?: EntityManager,
  ): Promise<string[]> {
    if (afterId !== null && !UUID.test(afterId))
      throw new BadRequestException(['afterId must be a customer id (uuid)']);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
      throw new BadRequestException([`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`]);
    const params: unknown[] = [];
    const where = await this.compile(filter, params, manager);
    params.push(limit);
    const limitSql = `$${params.length}::int`;
    let after = '';
    if (afterId !== null) {
      params.push(afterId);
      after = ` AND c.id > $${params.length}::uuid`;
    }
    const rows = await (manager ?? this.db).query<{ id: string }[]>(
      `SELECT c.id FROM customers c WHERE c.erased_at IS NULL${after} AND ${where}
       ORDER BY c.id LIMIT ${limitSql}`,
      params,
    );
    return rows.map((r) => r.id);
  }

  private async compile(
    filter: unknown,
    params: unknown[],
    manager: EntityManager | undefined,
  ): Promise<string> {
    const errors = validateAudience(filter);
    if (errors.length > 0) throw new BadRequestException(errors);
    await this.checkTopics(filter as AudienceFilter, manager);
    return compileAudience(filter as AudienceFilter, {
      now: this.clock.now(),
      params,
      lifecycle: this.lifecycle,
    });
  }

  /** A subscription to a topic that does not exist is a typo, not an empty audience. */
  private async checkTopics(filter: AudienceFilter, manager?: EntityManager): Promise<void> {
    const refs = audienceTopics(filter);
    if (refs.length === 0) return;
    const rows = await (manager ?? this.db).query<{ key: string }[]>(
      'SELECT key FROM topics WHERE key = ANY($1::text[])',
      [[...new Set(refs.map((r) => r.topic))]],
    );
    const known = new Set(rows.map((r) => r.key));
    const unknown = refs.filter((r) => !known.has(r.topic));
    if (unknown.length > 0)
      throw new BadRequestException(unknown.map((r) => `${r.path}: unknown topic "${r.topic}"`));
  }
}
