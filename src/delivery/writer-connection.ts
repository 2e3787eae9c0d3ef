import type { PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';

// The writer only touches rows by id: with prepared statements, one plan per statement made once
// (no planning per step) and kept a by-id lookup whatever the statistics say (a plan made while
// the table was small would otherwise keep a sequential scan as it grows). Behind PgBouncer in
// transaction mode there is no session to hold either (see step).
const BY_ID_PLANS_ONLY = `SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off; SET enable_bitmapscan = off`;
// The writer's planner settings would make other work's scans slow once back in the pool.
const RESET_SESSION = 'RESET ALL';

/**
 * The hand-over pipeline's connection, kept for the sender's life: each statement on it records
 * what has been handed over and marks the next group. Opened before any batch holds locks, so the
 * pool is never awaited holding one; a writer whose statement failed is dropped and opened again
 * before the next batch.
 */
export class WriterConnection {
  private runner: QueryRunner | null = null;

  constructor(
    private readonly dataSource: DataSource,
    /** Named (prepared) statements; off behind PgBouncer in transaction mode before 1.21. */
    readonly prepared: boolean,
  ) {}

  async open(): Promise<void> {
    if (this.runner) return;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    if (this.prepared) await runner.query(BY_ID_PLANS_ONLY);
    this.runner = runner;
  }

  /** Runs on the writer; a failed writer is dropped. */
  async use<R>(fn: (w: QueryRunner) => Promise<R>): Promise<R> {
    const runner = this.runner;
    if (!runner) throw new Error('the sender connection is not open');
    try {
      return await fn(runner);
    } catch (err) {
      if (this.runner === runner) this.runner = null;
      await release(runner);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.runner) await release(this.runner);
    this.runner = null;
  }
}

/**
 * One step of the hand-over pipeline, committed at once. With a name, a prepared statement on the
 * writer's connection: parsed and planned once per connection instead of at every group, which the
 * sender runs twice per handful of messages. Without one (DATABASE_PREPARED_STATEMENTS=false, behind
 * PgBouncer in transaction mode before 1.21), an unnamed statement: the next transaction may run on
 * another server connection, where a named statement would not exist.
 */
export async function writerStep<T>(
  writer: QueryRunner,
  name: string | null,
  text: string,
  values: unknown[],
): Promise<T[]> {
  // TypeORM's PostgresQueryRunner keeps its pg client here once connected.
  const client = (writer as unknown as { databaseConnection: PoolClient }).databaseConnection;
  const result = await client.query<T & Record<string, unknown>>(
    name ? { name, text, values } : { text, values },
  );
  return result.rows;
}

async function release(runner: QueryRunner): Promise<void> {
  await runner.query(RESET_SESSION).catch(() => undefined);
  await runner.release().catch(() => undefined);
}
