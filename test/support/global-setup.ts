import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

export const TEMPLATE_DB = 'tactful_template';

/** One PostgreSQL per run, migrated once into a template that each test file clones. */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'tactful-test-'));
    const pg = await startEmbeddedPostgres({
      dir: join(dir, 'pg'),
      database: TEMPLATE_DB,
      persistent: false,
    });
    (globalThis as { __tactfulPg?: unknown }).__tactfulPg = pg;
    url = pg.url;
  }
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  process.env.TACTFUL_TEST_TEMPLATE_URL = url;
  process.stdout.write(`\n[tests] PostgreSQL ready and migrated in ${Date.now() - started} ms\n`);
}
