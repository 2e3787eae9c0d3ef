import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Distinct tracked URLs kept in memory per process; a campaign's links are a handful. */
const CACHE_LIMIT = 10_000;

/**
 * Each URL once in click_links, answered with every id (new or existing) in one statement. The
 * second SELECT reads the snapshot before the insert, so together they cover both cases.
 */
export const UPSERT_CLICK_LINKS = `
  WITH given AS (SELECT DISTINCT u AS url FROM unnest($1::text[]) AS u),
  added AS (
    INSERT INTO click_links (url) SELECT url FROM given
    ON CONFLICT ((md5(url))) DO NOTHING RETURNING id, url
  )
  SELECT id::int AS id, url FROM added
  UNION ALL
  SELECT c.id::int, c.url FROM click_links c JOIN given g ON md5(c.url) = md5(g.url)`;

/**
 * The id of each tracked URL: from memory when this process has seen it, otherwise written (one
 * statement for all of a message's new links). The send path pays a database round-trip only
 * for a link it has never seen.
 */
@Injectable()
export class ClickLinks {
  private readonly ids = new Map<string, number>();

  constructor(private readonly dataSource: DataSource) {}

  async idsOf(urls: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const missing: string[] = [];
    for (const url of urls) {
      const id = this.ids.get(url);
      if (id === undefined) missing.push(url);
      else out.set(url, id);
    }
    if (missing.length === 0) return out;
    const rows: { id: number; url: string }[] = await this.dataSource.query(UPSERT_CLICK_LINKS, [
      missing,
    ]);
    if (this.ids.size + rows.length > CACHE_LIMIT) this.ids.clear();
    for (const r of rows) {
      this.ids.set(r.url, r.id);
      out.set(r.url, r.id);
    }
    return out;
  }
}
