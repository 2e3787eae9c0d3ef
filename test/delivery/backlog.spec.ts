import { Client } from 'pg';
import { startTwilioServer, type TwilioTestServer } from '../support/twilio-server';
import { createDeliveryApp, type DeliveryTestApp } from './delivery-app';
import { seedPlannedDeliveries } from './seed';

const BACKLOG = 5000;
const BATCHES = 3;
const BATCH = 100;

/** Entries read from deliveries' indexes and rows read by sequential scans, so far. */
async function deliveriesTuplesRead(db: Client): Promise<number> {
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ n: string }>(
    `SELECT ((SELECT sum(idx_tup_read) FROM pg_stat_user_indexes WHERE relname = 'deliveries')
             + (SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'deliveries'))::text AS n`,
  );
  return Number(rows[0].n);
}

/**
 * A campaign's backlog was just planned in bulk, so the statistics still say `planned` is rare
 * (autovacuum has not analysed yet): the sender's work per message must not grow with the backlog.
 * Before, its claim sorted every planned row (a bitmap scan) and each marking of a group
 * intersected the whole `planned` index with the group's ids — PostgreSQL time per SMS that grew
 * with the campaign and capped throughput.
 */
describe('sender on a large backlog with stale statistics', () => {
  let tw: TwilioTestServer;
  let t: DeliveryTestApp;
  let db: Client;

  beforeAll(async () => {
    tw = await startTwilioServer({ record: false });
    t = await createDeliveryApp({
      now: new Date().toISOString(),
      env: {
        TWILIO_ACCOUNT_SID: tw.accountSid,
        TWILIO_AUTH_TOKEN: tw.authToken,
        TWILIO_FROM: '+15005550006',
        TWILIO_API_URL: tw.url,
      },
    });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await tw.close();
  });

  it('marks SMS in groups up to the transport concurrency (10) within the window: fewer steps per SMS', async () => {
    await seedPlannedDeliveries(db, { n: 60, channel: 'sms', tag: 'groups' });
    const groups: number[] = [];
    const acquire = t.sender.window.acquire.bind(t.sender.window);
    const spy = jest.spyOn(t.sender.window, 'acquire').mockImplementation((n: number) => {
      groups.push(n);
      return acquire(n);
    });
    try {
      expect((await t.sender.runOnce(60)).sent).toBe(60);
    } finally {
      spy.mockRestore();
    }
    // The first group finds the window empty and fills it; none is ever larger.
    expect(groups[0]).toBe(10);
    expect(Math.max(...groups)).toBe(10);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(60);
    expect(t.sender.window.inUse).toBe(0);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'`,
    );
    expect(rows[0].n).toBe(60);
  });

  it('the writer gives its connection back to the pool with the default planner settings', async () => {
    expect((await t.sender.runOnce(10)).claimed).toBe(0);
    // The writer is connected (runOnce opens it) and goes back to the pool when the sender stops.
    await t.sender.onModuleDestroy();
    // Every pooled connection at once (20), each asked for its planner settings.
    const settings = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.db.query<{ s: string }[]>(
          `SELECT current_setting('enable_seqscan') || current_setting('enable_bitmapscan')
                  || current_setting('plan_cache_mode') AS s, pg_sleep(0.2)`,
        ),
      ),
    );
    expect(new Set(settings.map((r) => r[0].s))).toEqual(new Set(['ononauto']));
  });

  it(`reads a bounded number of delivery rows per SMS with ${BACKLOG} planned, whatever the statistics say`, async () => {
    await seedPlannedDeliveries(db, { n: BACKLOG, channel: 'sms', tag: 'backlog' });
    const before = await deliveriesTuplesRead(db);
    const createdBefore = tw.created.message;
    let sent = 0;
    for (let i = 0; i < BATCHES; i++) sent += (await t.sender.runOnce(BATCH)).sent;
    expect(sent).toBe(BATCHES * BATCH);
    expect(tw.created.message - createdBefore).toBe(BATCHES * BATCH);
    // Backends flush their statistics when they exit: close the app's connections first.
    await t.app.close();
    const read = (await deliveriesTuplesRead(db)) - before;
    // Per SMS: its share of the claim's look-ahead, the claim's join, the marking, the record and
    // the audit content's reference check — a handful, not a share of the backlog.
    expect(read / sent).toBeLessThan(30);
    const { rows } = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM deliveries GROUP BY status ORDER BY status`,
    );
    expect(rows).toEqual([
      { status: 'planned', n: BACKLOG - BATCHES * BATCH },
      { status: 'sent', n: 60 + BATCHES * BATCH },
    ]);
  });
});
