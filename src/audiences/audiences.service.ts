import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { audienceTopics, validateAudience, type AudienceFilter } from './audience-filter';
import { compileAudience } from './compile-audience';
import { invalid } from '../common/domain-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_PAGE_SIZE = 10_000;

/** Filters arrive as stored or posted JSON (`unknown`); every method validates them first. */
@Injectable()
export class AudiencesService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Customers matching the filter, erased customers excluded. 400 naming the fault if invalid. */
  async count(filter: unknown, manager?: EntityManager): Promise<number> {
    const params: unknown[] = [];
    const where = this.compile(filter, params);
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
    filter: unknown,
    afterId: string | null,
    limit: number,
    manager?: EntityManager,
  ): Promise<string[]> {
    if (afterId !== null && !UUID.test(afterId))
      throw invalid(['afterId must be a customer id (uuid)']);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
      throw invalid([`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`]);
    const params: unknown[] = [];
    const where = this.compile(filter, params);
    params.push(limit);
    const limitSql = `$${params.length}::int`;
    let after = '';
    if (afterId !== null) {
      params.push(afterId);
      after = ` AND c.id > $${params.length}::uuid`;
    }
    // One JSON array (native JSON.parse) rather than a row object per customer.
    const [{ ids }] = await (manager ?? this.db).query<{ ids: string[] | null }[]>(
      `SELECT json_agg(id ORDER BY id) AS ids FROM (SELECT c.id FROM customers c
        WHERE c.erased_at IS NULL${after} AND ${where} ORDER BY c.id LIMIT ${limitSql}) p`,
      params,
    );
    return ids ?? [];
  }

  /**
   * Every problem of a filter: validateAudience's, plus topics in subscribedTo that do not exist
   * (a typo there would silently select only customers with a '*' consent). For use when a
   * filter is entered (POST /v1/audiences/count; campaign create/update).
   */
  async validate(filter: unknown, manager?: EntityManager): Promise<string[]> {
    const errors = validateAudience(filter);
    if (errors.length > 0) return errors;
    const refs = audienceTopics(filter as AudienceFilter);
    if (refs.length === 0) return [];
    const rows = await (manager ?? this.db).query<{ key: string }[]>(
      'SELECT key FROM topics WHERE key = ANY($1::text[])',
      [[...new Set(refs.map((r) => r.topic))]],
    );
    const known = new Set(rows.map((r) => r.key));
    return refs
      .filter((r) => !known.has(r.topic))
      .map((r) => `${r.path}: unknown topic "${r.topic}"`);
  }

  // count and page check the structure only: an unknown topic key in a stored campaign compiles
  // like any other (a '*' consent covers it) instead of failing in the planner.
  private compile(filter: unknown, params: unknown[]): string {
    const errors = validateAudience(filter);
    if (errors.length > 0) throw invalid(errors);
    return compileAudience(filter as AudienceFilter, {
      now: this.clock.now(),
      params,
    });
  }
}
