// npm run bench:plan — plans one promotional campaign over 1,000,000 customers (mixed kinds,
// consents, suppressions and contact history) with the real PlannerService, then produces the
// same deliveries with one set-based INSERT … SELECT in the same process and compares.
// BENCH_ROWS=50000 for a smaller run; BENCH_PG_STATS=1 adds the database's top statements;
// BENCH_BATCH=N plans in batches of N customers instead of the planner's default.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { Clock } from '../src/common/clock';
import { loadSettings } from '../src/config/settings';
import { PlannerService } from '../src/planning/planner.service';
import { benchDatabase, fmt } from './support';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
/** BENCH_PG_STATS=1: load pg_stat_statements and print where the database's time went. */
const PG_STATS = process.env.BENCH_PG_STATS === '1';
// Tuesday 10:00 UTC: inside the send window in every zone used below, so every "yes" is a send
// now and the set-based baseline can compute the same rows.
const NOW = new Date('2026-03-03T10:00:00Z');
const DAY = 86_400_000;

class FixedClock extends Clock {
  now(): Date {
    return new Date(NOW.getTime());
  }
}

const peakRssMb = () =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

async function seed(db: DataSource): Promise<{ campaign: string; baseline: string }> {
  const t0 = Date.now();
  // bucket = i % 20: 0–11 confirmed e-mail consent, 12–13 granted but unconfirmed, 14–15
  // withdrawn, 16–19 none. Every 5th customer is a business contact.
  await db.query(
    `INSERT INTO customers (id, external_id, kind, name, email, phone, timezone, locale,
       account_manager_phone, purchase_count, first_purchase_at, last_purchase_at, attributes)
     SELECT gen_random_uuid(), 'b-' || i, CASE WHEN i % 5 = 0 THEN 'business' ELSE 'consumer' END,
            'Customer ' || i, 'c' || i || '@example.ru',
            CASE WHEN i % 2 = 0 THEN '+7916' || lpad(i::text, 7, '0') END,
            (ARRAY['Europe/Moscow', 'Europe/London', 'Europe/Berlin', 'Asia/Yekaterinburg'])[1 + i % 4],
            CASE WHEN i % 3 = 0 THEN 'en' ELSE 'ru' END,
            CASE WHEN i % 5 = 0 THEN '+79161112233' END,
            i % 4, $2::timestamptz - make_interval(days => 30 + i % 300),
            $2::timestamptz - make_interval(days => 30 + i % 300), jsonb_build_object('bucket', i % 20)
       FROM generate_series(1, $1::int) i`,
    [ROWS, NOW],
  );
  await db.query(
    `INSERT INTO topics (key, category, title) VALUES ('offers', 'promotional', '{"en":"Offers"}')`,
  );
  await db.query(
    `INSERT INTO consent_events (customer_id, channel, topic, action, source, confirmed, occurred_at,
       wording, wording_version, actor)
     SELECT id, 'email', '*', CASE WHEN (attributes->>'bucket')::int >= 14 THEN 'withdraw' ELSE 'grant' END,
            'import', (attributes->>'bucket')::int < 12, $1, 'Yes, send me offers', 'v1', 'bench'
       FROM customers WHERE (attributes->>'bucket')::int < 16`,
    [new Date(NOW.getTime() - 400 * DAY)],
  );
  await db.query(
    `INSERT INTO consent_state (customer_id, channel, topic, status, since, last_event_id)
     SELECT customer_id, channel, topic,
            CASE WHEN action = 'withdraw' THEN 'withdrawn' WHEN confirmed THEN 'confirmed' ELSE 'granted' END,
            occurred_at, id
       FROM consent_events`,
  );
  // 1 % complained (suppressed by the hash of their address).
  await db.query(
    `INSERT INTO suppressions (address_type, address_hash, reason)
     SELECT 'email', encode(sha256(convert_to('email:' || lower(email), 'UTF8')), 'hex'), 'complaint'
       FROM customers WHERE right(external_id, 2) = '07'`,
  );
  // History: 10 % got a promotion 60 days ago (consumers are then out of budget for 180 days,
  // businesses are not: their window is 30 days).
  const [old] = await db.query(
    `INSERT INTO campaigns (name, topic, goal, template_name, template_version, channels, audience,
       schedule, status, created_by, launched_at)
     VALUES ('old', 'offers', 'retention', 'tpl', 1, '{email}', '{}', '{"type":"now"}', 'completed', 'bench', $1)
     RETURNING id`,
    [new Date(NOW.getTime() - 60 * DAY)],
  );
  await db.query(
    `INSERT INTO deliveries (campaign_id, step, customer_id, channel, category, topic, goal,
       template_name, template_version, policy_version, status, not_before, planned_at, sent_at)
     SELECT $1, 0, id, 'email', 'promotional', 'offers', 'retention', 'tpl', 1, 1, 'sent', $2, $2, $2
       FROM customers WHERE right(external_id, 1) = '3'`,
    [old.id, new Date(NOW.getTime() - 60 * DAY)],
  );
  const campaignRow = async (name: string) => {
    const [c] = await db.query(
      `INSERT INTO campaigns (name, topic, goal, template_name, template_version, channels, priority,
         audience, schedule, status, created_by, launched_at)
       VALUES ($1, 'offers', 'retention', 'tpl', 1, '{email}', 50, '{}', '{"type":"now"}', 'scheduled', 'bench', $2)
       RETURNING id`,
      [name, NOW],
    );
    await db.query(`INSERT INTO campaign_steps (campaign_id, step, due_at) VALUES ($1, 0, $2)`, [
      c.id,
      NOW,
    ]);
    return c.id as string;
  };
  const campaign = await campaignRow('bench');
  const baseline = await campaignRow('baseline');
  // A customer base in steady state, as autovacuum and the checkpointer would have left it long
  // before any campaign: the bulk load vacuumed (visibility map, hint bits) and checkpointed, so
  // neither the planner nor the baseline pays for tidying up after the seeding.
  await db.query(`VACUUM ANALYZE`);
  await db.query(`CHECKPOINT`);
  console.log(`seeded ${fmt(ROWS)} customers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { campaign, baseline };
}

async function main() {
  const pg = await benchDatabase(
    PG_STATS ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : [],
  );
  const settings = loadSettings({
    DATABASE_URL: pg.url,
    TACTFUL_ADMIN_KEY: 'bench-admin-key-0123456789',
    TACTFUL_SECRET: 'bench-secret-0123456789abcdef0123456789',
    TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-bench-data-')),
    // No timers: this process calls the planner itself.
    TACTFUL_ROLES: 'api',
    LOG_LEVEL: 'warn',
  });
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(settings, pg.url, new FixedClock()),
    { logger: ['error', 'warn'] },
  );
  try {
    const db = app.get(DataSource);
    const { campaign, baseline } = await seed(db);
    const planner = app.get(PlannerService);
    const rssBefore = peakRssMb();

    if (PG_STATS) {
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await db.query('SELECT pg_stat_statements_reset()');
    }
    const cpu0 = process.cpuUsage();
    const t1 = process.hrtime.bigint();
    const report = await planner.planStep(
      campaign,
      0,
      process.env.BENCH_BATCH ? { batchSize: Number(process.env.BENCH_BATCH) } : {},
    );
    const planSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    const rss = peakRssMb();
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (PG_STATS) {
      // Background work during planning that competes for the two cores.
      console.table(
        await db.query(
          `SELECT relname, autovacuum_count, autoanalyze_count FROM pg_stat_user_tables
            WHERE autovacuum_count + autoanalyze_count > 0 ORDER BY relname`,
        ),
      );
      console.table(await db.query(`SELECT num_timed, num_requested FROM pg_stat_checkpointer`));
      // Where the database's time went (nested statements included), for profiling.
      const rows = await db.query(
        `SELECT calls, round(total_exec_time)::int AS ms, rows, wal_bytes,
                left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query
           FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12`,
      );
      console.table(rows);
    }
    if (report.outcome !== 'planned') throw new Error(`planner: ${report.outcome}`);

    // The same deliveries, set-based: consent, suppression and the promotional budget in SQL.
    const t2 = process.hrtime.bigint();
    await db.query(
      `INSERT INTO deliveries (campaign_id, step, customer_id, channel, category, topic, goal,
         template_name, template_version, policy_version, consent_event_id, status, not_before, planned_at)
       SELECT $1, 0, c.id, 'email', 'promotional', 'offers', 'retention', 'tpl', 1, 1, cs.last_event_id,
              'planned', $2, $2
         FROM customers c
         JOIN consent_state cs ON cs.customer_id = c.id AND cs.channel = 'email' AND cs.topic = '*'
                              AND cs.status = 'confirmed'
        WHERE c.erased_at IS NULL AND c.email IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.lifted_at IS NULL
                 AND s.address_hash = encode(sha256(convert_to('email:' || lower(c.email), 'UTF8')), 'hex'))
          AND NOT EXISTS (SELECT 1 FROM deliveries d
                 WHERE d.customer_id = c.id AND d.category = 'promotional' AND d.campaign_id <> $3
                   AND d.status NOT IN ('cancelled', 'failed')
                   AND d.not_before > $2::timestamptz - make_interval(days =>
                         CASE c.kind WHEN 'consumer' THEN 180 ELSE 30 END))`,
      [baseline, NOW, campaign],
    );
    const baseSeconds = Number(process.hrtime.bigint() - t2) / 1e9;

    const [{ planned, base, diff }] = await db.query(
      `SELECT (SELECT count(*) FROM deliveries WHERE campaign_id = $1)::int AS planned,
              (SELECT count(*) FROM deliveries WHERE campaign_id = $2)::int AS base,
              (SELECT count(*) FROM (
                 (SELECT customer_id, channel, not_before, consent_event_id FROM deliveries WHERE campaign_id = $1
                  EXCEPT SELECT customer_id, channel, not_before, consent_event_id FROM deliveries WHERE campaign_id = $2)
                 UNION ALL
                 (SELECT customer_id, channel, not_before, consent_event_id FROM deliveries WHERE campaign_id = $2
                  EXCEPT SELECT customer_id, channel, not_before, consent_event_id FROM deliveries WHERE campaign_id = $1)
               ) x)::int AS diff`,
      [campaign, baseline],
    );
    const skips: { reason: string; n: number }[] = await db.query(
      `SELECT coalesce(reason, type) AS reason, count(*)::int AS n FROM audit_events
        WHERE campaign_id = $1 AND type LIKE 'decision.%' GROUP BY 1 ORDER BY 2 DESC`,
      [campaign],
    );

    const rate = report.decided / planSeconds;
    console.log(`\nplanner: ${fmt(report.decided)} decisions in ${planSeconds.toFixed(1)} s`);
    console.log(`  ${fmt(rate)} decisions/s (target ≥ 25,000)`);
    console.log(
      `  planner process CPU ${cpuSeconds.toFixed(1)} s (${((cpuSeconds / report.decided) * 1e6).toFixed(0)} µs per decision, GC threads included)`,
    );
    console.log(`  send ${fmt(report.send)}, defer ${fmt(report.defer)}, skip ${fmt(report.skip)}`);
    for (const s of skips) console.log(`    ${s.reason}: ${fmt(s.n)}`);
    console.log(
      `  peak RSS ${rss.toFixed(0)} MB (target ≤ 400; ${rssBefore.toFixed(0)} MB before planning)`,
    );
    console.log(
      `baseline INSERT … SELECT: ${fmt(base)} deliveries in ${baseSeconds.toFixed(1)} s ` +
        `(${fmt(base / baseSeconds)} rows/s)`,
    );
    console.log(
      `  planner / baseline time: ${(planSeconds / baseSeconds).toFixed(2)}× ` +
        `(the planner also writes ${fmt(report.decided)} audit rows and takes contact locks)`,
    );
    console.log(
      `  same deliveries: ${diff === 0 && planned === base ? 'yes' : `NO (${planned} vs ${base}, ${diff} differ)`}`,
    );
    if (diff !== 0 || planned !== base) process.exitCode = 1;
  } finally {
    await app.close();
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
