import type { DataSource, EntityManager } from 'typeorm';
import { notFound } from '../common/domain-error';
import type { CompiledTemplate, TemplateCompiler } from './template-compiler';
import type { TemplateLocales } from './template-files';

export type TemplateSource = 'builtin' | 'stored';

export interface TemplateView {
  name: string;
  version: number;
  source: TemplateSource;
  locales: TemplateLocales;
  createdAt: Date | null;
  createdBy: string | null;
}

export interface TemplateRow {
  name: string;
  version: number;
  locales: TemplateLocales;
  created_by: string;
  created_at: Date;
}

const LATEST_STORED_VERSION = `SELECT max(version) AS version FROM templates WHERE name = $1`;
const SELECT_VERSION = `SELECT * FROM templates WHERE name = $1 AND version = $2`;
const LIST_VERSIONS = `
  SELECT name, version, created_by, created_at,
         ARRAY(SELECT jsonb_object_keys(locales) ORDER BY 1) AS locale_keys
    FROM templates WHERE name = $1 ORDER BY version DESC`;
/** $1 the cursor (the last name of the previous page), $2 the page size plus one. */
const LIST_LATEST_BY_NAME = `
  SELECT DISTINCT ON (name) name, version, created_at,
         ARRAY(SELECT jsonb_object_keys(locales) ORDER BY 1) AS locale_keys
    FROM templates WHERE ($1::text IS NULL OR name > $1)
   ORDER BY name, version DESC LIMIT $2`;
/** Versions of one name are numbered one at a time. */
const LOCK_TEMPLATE_NAME = `SELECT pg_advisory_xact_lock(hashtext('tactful.template'), hashtext($1))`;
const INSERT_VERSION = `
  INSERT INTO templates (name, version, locales, created_by, created_at)
  VALUES ($1, $2, $3, $4, $5) RETURNING *`;

const CACHE_SIZE = 500;

/**
 * Template versions: a built-in template is version 1 of its name; saving a name adds the next
 * version (2 for a built-in name, 1 for a new one), so a number never means two contents and a
 * campaign pinned to a version always renders the same template. The latest version is the
 * highest stored one, else the built-in. Stored versions are immutable (the table refuses UPDATE
 * and DELETE), so compiled ones are cached by name and version.
 */
export class TemplateStore {
  private readonly cache = new Map<string, CompiledTemplate>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly compiler: TemplateCompiler,
  ) {}

  /** The newest version of a template; not found naming it when there is none. */
  async latestVersion(name: string): Promise<number> {
    const rows: { version: number | null }[] = await this.dataSource.query(LATEST_STORED_VERSION, [
      name,
    ]);
    const stored = rows[0]?.version ?? null;
    if (stored !== null) return stored;
    if (this.compiler.builtin(name)) return 1;
    throw notFound([`template ${name} not found`]);
  }

  async get(name: string, version?: number): Promise<TemplateView> {
    const v = version ?? (await this.latestVersion(name));
    const rows: TemplateRow[] = await this.dataSource.query(SELECT_VERSION, [name, v]);
    if (rows.length) return viewOf(rows[0]);
    const builtin = this.compiler.builtinSources(name);
    if (v === 1 && builtin) {
      return {
        name,
        version: 1,
        source: 'builtin',
        locales: builtin,
        createdAt: null,
        createdBy: null,
      };
    }
    throw notFound([`template ${name} has no version ${v}`]);
  }

  /** Every version of a name, newest first, without the sources. */
  async versions(name: string) {
    const rows: (Omit<TemplateRow, 'locales'> & { locale_keys: string[] })[] =
      await this.dataSource.query(LIST_VERSIONS, [name]);
    const items: {
      version: number;
      source: TemplateSource;
      locales: string[];
      createdAt: Date | null;
      createdBy: string | null;
    }[] = rows.map((r) => ({
      version: r.version,
      source: 'stored',
      locales: r.locale_keys,
      createdAt: r.created_at,
      createdBy: r.created_by,
    }));
    const builtin = this.compiler.builtinSources(name);
    if (builtin && !rows.some((r) => r.version === 1)) {
      const locales = Object.keys(builtin).sort();
      items.push({ version: 1, source: 'builtin', locales, createdAt: null, createdBy: null });
    }
    if (!items.length) throw notFound([`template ${name} not found`]);
    return { items, nextCursor: null };
  }

  /** Names in order, each with its latest version; keyset paging on the name. */
  async list(cursor: string | undefined, limit = 50) {
    const rows: { name: string; version: number; created_at: Date; locale_keys: string[] }[] =
      await this.dataSource.query(LIST_LATEST_BY_NAME, [cursor ?? null, limit + 1]);
    const byName = new Map(
      rows.map((r) => [
        r.name,
        {
          name: r.name,
          latestVersion: r.version,
          source: 'stored' as TemplateSource,
          locales: r.locale_keys,
          updatedAt: r.created_at as Date | null,
        },
      ]),
    );
    for (const [name, locales] of this.compiler.files.builtins) {
      if ((cursor === undefined || name > cursor) && !byName.has(name)) {
        byName.set(name, {
          name,
          latestVersion: 1,
          source: 'builtin',
          locales: Object.keys(locales).sort(),
          updatedAt: null,
        });
      }
    }
    // A stored name beyond the fetched page may sort before a built-in one; the page stops at the
    // last fetched stored name when the database had more.
    let all = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    if (rows.length > limit) {
      const lastStored = rows[limit - 1].name;
      all = all.filter((t) => t.name <= lastStored);
    }
    const items = all.slice(0, limit);
    const more = all.length > limit || rows.length > limit;
    return { items, nextCursor: more ? items[items.length - 1].name : null };
  }

  /** Inserts the next version of a name inside the caller's transaction, under the name's lock. */
  async insertNext(
    m: EntityManager,
    name: string,
    locales: TemplateLocales,
    actor: string,
    at: Date,
  ): Promise<TemplateRow> {
    await m.query(LOCK_TEMPLATE_NAME, [name]);
    const rows: { version: number | null }[] = await m.query(LATEST_STORED_VERSION, [name]);
    const base = rows[0]?.version ?? (this.compiler.builtin(name) ? 1 : 0);
    const version = base + 1;
    const [row]: TemplateRow[] = await m.query(INSERT_VERSION, [
      name,
      version,
      JSON.stringify(locales),
      actor,
      at,
    ]);
    return row;
  }

  /** Keeps a version just saved compiled, so its first render compiles nothing. */
  remember(t: CompiledTemplate): void {
    this.cache.set(`${t.name}@${t.version}`, t);
  }

  /** A version compiled: the built-in for version 1 of a built-in name not stored. */
  async compiled(name: string, version: number): Promise<CompiledTemplate> {
    const key = `${name}@${version}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const rows: TemplateRow[] = await this.dataSource.query(SELECT_VERSION, [name, version]);
    if (!rows.length) {
      const builtin = this.compiler.builtin(name);
      if (version === 1 && builtin) return builtin;
      throw notFound([`template ${name} has no version ${version}`]);
    }
    const t = { name, version, locales: this.compiler.compileLocales(rows[0].locales) };
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, t);
    return t;
  }
}

function viewOf(r: TemplateRow): TemplateView {
  return {
    name: r.name,
    version: r.version,
    source: 'stored',
    locales: r.locales,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}
