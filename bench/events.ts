// npm run bench:events — events ingested in batches of 1,000 through the service, beside a
// baseline in the same process: a plain set-based INSERT … SELECT FROM unnest of the same rows
// into the same table (same indexes, the unique eventId index and the customer foreign key
// included; its arrays built inside the timing, one transaction per batch, the same number of
// connections in flight). What it leaves out is what the ratio measures: validation, the
// customer lock, ON CONFLICT and the lifecycle facts. The service is measured over HTTP (POST /v1/events on the in-process Nest
// app, validation and lifecycle facts included) and as an in-process EventsService.record call.
// BENCH_EVENTS scales it (default 200,000 per measurement); BENCH_CONCURRENCY requests in flight.
// The three take turns in 10 rounds. BENCH_PG_STATS=1 prints the database's time per statement.
import 'reflect-metadata';
import { Agent, request } from 'node:http';
import { Client } from 'pg';
import { plainArray, textArray } from '../src/database/pg-array';
import { EventsService } from '../src/events/events.service';
import { benchDatabase, fmt, startApiInProcess } from './support';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BATCH = 1000;
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const ROUNDS = 10;
const PG_STATS = process.env.BENCH_PG_STATS === '1';
const ADMIN_KEY = 'bench-admin-key-0123456789';

interface BenchEvent {
  type: string;
  customerId: string;
  eventId: string;
  occurredAt: string;
  amount?: number;
  currency?: string;
  score?: number;
  action?: string;
}

/** A realistic mix: purchases, satisfaction scores and clicks over the customers, each with an eventId. */
function makeBatches(customerIds: string[], tag: string): BenchEvent[][] {
  const batches: BenchEvent[][] = [];
  const base = Date.now() - 30 * 86_400_000;
  for (let start = 0; start < EVENTS; start += BATCH) {
    const batch: BenchEvent[] = [];
    for (let i = start; i < Math.min(EVENTS, start + BATCH); i++) {
      const customerId = customerIds[(i * 7919) % customerIds.length];
      const occurredAt = new Date(base + i * 1000).toISOString();
      const eventId = `${tag}-${i}`;
      switch (i % 3) {
        case 0:
          batch.push({
            type: 'purchase',
            customerId,
            eventId,
            occurredAt,
            amount: i % 5000,
            currency: 'RUB',
          });
          break;
        case 1:
          batch.push({ type: 'satisfaction', customerId, eventId, occurredAt, score: 1 + (i % 5) });
          break;
        default:
          batch.push({ type: 'engagement', customerId, eventId, occurredAt, action: 'click' });
      }
    }
    batches.push(batch);
  }
  return batches;
}

/** Runs `work` over the batches with CONCURRENCY in flight; returns seconds. */
async function timed<T>(items: T[], work: (item: T) => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(port: number, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/events',
        method: 'POST',
        agent,
        headers: {
          Authorization: `Bearer ${ADMIN_KEY}`,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () =>
          res.statusCode === 201
            ? resolve()
            : reject(
                new Error(`${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`),
              ),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The baseline: the same rows, one plain set-based INSERT per batch, no checks, no facts. */
async function plainInsert(db: Client, batch: BenchEvent[]): Promise<void> {
  await db.query(
    `INSERT INTO customer_events (customer_id, type, occurred_at, data, recorded_at, event_id)
     SELECT customer_id, type, occurred_at, data, now(), event_id
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::text[])
            AS s(customer_id, type, occurred_at, data, event_id)`,
    [
      plainArray(batch.map((e) => e.customerId)),
      textArray(batch.map((e) => e.type)),
      textArray(batch.map((e) => e.occurredAt)),
      textArray(
        batch.map((e) =>
          JSON.stringify(
            e.type === 'purchase'
              ? { amount: e.amount, currency: e.currency }
              : e.type === 'satisfaction'
                ? { score: e.score }
                : { action: e.action },
          ),
        ),
      ),
      textArray(batch.map((e) => e.eventId)),
    ],
  );
}

async function main(): Promise<void> {
  console.log(
    `bench:events — ${fmt(EVENTS)} events per measurement in batches of ${fmt(BATCH)}, ` +
      `${fmt(CUSTOMERS)} customers, ${CONCURRENCY} request(s) in flight`,
  );
  const pg = await benchDatabase(
    PG_STATS ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : [],
  );
  const { app, port } = await startApiInProcess(pg.url, ADMIN_KEY);
  // One connection per request in flight, as the service's pool would use.
  const dbs = await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      return c;
    }),
  );
  try {
    const ids = (
      await dbs[0].query(
        `INSERT INTO customers (external_id, kind, timezone, locale)
         SELECT 'crm-' || i, 'consumer', 'Europe/Moscow', 'ru' FROM generate_series(1, $1) i
         RETURNING id::text`,
        [CUSTOMERS],
      )
    ).rows.map((r: { id: string }) => r.id);
    await dbs[0].query('ANALYZE');
    if (PG_STATS) await dbs[0].query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');

    // Warm-up (JIT, plan caches, the key lookup), not counted.
    const [warm] = makeBatches(ids, 'warm');
    await post(port, JSON.stringify(warm));

    // The three measurements take turns in rounds, so none of them alone meets the larger
    // table (deeper indexes) of the end of the run.
    const httpBodies = makeBatches(ids, 'http').map((b) => JSON.stringify(b));
    const serviceBatches = makeBatches(ids, 'svc');
    const plainBatches = makeBatches(ids, 'plain');
    const events = app.get(EventsService);
    if (PG_STATS) await dbs[0].query('SELECT pg_stat_statements_reset()');
    const perRound = Math.max(CONCURRENCY, Math.ceil(httpBodies.length / ROUNDS));
    let httpSec = 0;
    let serviceSec = 0;
    let plainSec = 0;
    let conn = 0;
    for (let start = 0; start < httpBodies.length; start += perRound) {
      const end = start + perRound;
      httpSec += await timed(httpBodies.slice(start, end), (body) => post(port, body));
      serviceSec += await timed(serviceBatches.slice(start, end), async (b) => {
        await events.record(b);
      });
      plainSec += await timed(plainBatches.slice(start, end), (b) =>
        plainInsert(dbs[conn++ % dbs.length], b),
      );
    }

    const rate = (sec: number) => EVENTS / sec;
    console.log(
      `  service over HTTP (POST /v1/events):     ${fmt(rate(httpSec))} events/s  (target ≥ 10,000)`,
    );
    console.log(`  service in-process (EventsService):      ${fmt(rate(serviceSec))} events/s`);
    console.log(`  baseline: plain set-based INSERT:        ${fmt(rate(plainSec))} events/s`);
    console.log(
      `  ratio HTTP / baseline time: ${(httpSec / plainSec).toFixed(2)}×, in-process: ` +
        `${(serviceSec / plainSec).toFixed(2)}×  (target ≤ 2×)`,
    );
    if (PG_STATS) {
      // Where the database's time went (nested statements included), per statement.
      const { rows } = await dbs[0].query(
        `SELECT calls, round(total_exec_time)::int AS ms,
                round((total_exec_time / calls)::numeric, 2)::float AS mean_ms, rows, wal_bytes,
                left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
           FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12`,
      );
      console.table(rows);
      // Lifecycle updates that stayed on their page (HOT) need no new index entries.
      console.table(
        (
          await dbs[0].query(
            `SELECT relname, n_tup_upd, n_tup_hot_upd, autovacuum_count, autoanalyze_count
               FROM pg_stat_user_tables WHERE relname IN ('customers', 'customer_events')`,
          )
        ).rows,
      );
    }
    const [{ n }] = (await dbs[0].query(`SELECT count(*)::int AS n FROM customer_events`)).rows;
    if (n !== 3 * EVENTS + warm.length)
      throw new Error(`expected ${3 * EVENTS + warm.length} rows, found ${n}`);
  } finally {
    agent.destroy();
    for (const c of dbs) await c.end();
    await app.close();
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
