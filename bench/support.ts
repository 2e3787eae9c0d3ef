import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/database/embedded-postgres';

/** A throwaway embedded PostgreSQL, migrated, for one benchmark run. */
export async function benchDatabase(): Promise<EmbeddedDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'tactful-bench-'));
  const pg = await startEmbeddedPostgres({
    dir: join(dir, 'pg'),
    database: 'bench',
    persistent: false,
  });
  const ds = new DataSource(dataSourceOptions(pg.url));
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  return pg;
}

/** Samples RSS while `fn` runs and reports the peak. */
export async function withPeakRss<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakRssMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
