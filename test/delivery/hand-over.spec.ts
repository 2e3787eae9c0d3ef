import { CampaignsService } from '../../src/campaigns/campaigns.service';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { createTopics } from '../support/test-app';
import {
  createDeliveryApp,
  grant,
  insertCampaign,
  insertCustomer,
  insertDelivery,
  type DeliveryTestApp,
} from './delivery-app';

/** What the sender may have marked `sending` at once: all that a crash can turn into unknown. */
const WINDOW = 10;

describe('hand-over in small groups', () => {
  let smtp: TestSmtpServer;
  let t: DeliveryTestApp;

  const seed = async (n: number, tag: string) => {
    const campaign = await insertCampaign(t, { topic: 'tips', name: tag });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const c = await insertCustomer(t, { email: `${tag}${i}@mail.example` });
      await grant(t, c, 'email', 'tips');
      ids.push(await insertDelivery(t, { campaignId: campaign, customerId: c, topic: 'tips' }));
    }
    return { campaign, ids };
  };
  const statusCounts = async (campaign: string) =>
    Object.fromEntries(
      (
        await t.db.query(
          `SELECT status, count(*)::int AS n FROM deliveries WHERE campaign_id = $1 GROUP BY status`,
          [campaign],
        )
      ).map((r: { status: string; n: number }) => [r.status, r.n]),
    ) as Record<string, number>;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    // Paced, so that a batch takes long enough to be watched and interrupted.
    t = await createDeliveryApp({ env: { SMTP_URL: smtp.url, EMAIL_RATE_PER_SECOND: '100' } });
    await createTopics(t);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('never has more than the window marked sending, across 4 loops and 150 deliveries; claimed rows wait as planned', async () => {
    const { campaign } = await seed(150, 'window');
    t.sender.batchSize = 40;
    let maxSending = 0;
    let maxLeasedPlanned = 0;
    let done = false;
    const run = t.sender.tick().finally(() => (done = true));
    while (!done) {
      // Claimed rows are held by their batch's advisory locks (namespace 0x7ac7de11), not written.
      const [row] = await t.db.query(
        `SELECT (SELECT count(*)::int FROM deliveries WHERE campaign_id = $1 AND status = 'sending') AS sending,
                (SELECT count(*)::int FROM deliveries d JOIN pg_locks l
                    ON l.locktype = 'advisory' AND l.classid = 2059918865 AND l.objsubid = 2
                   AND l.objid = (hashtext(d.id::text)::bigint & 4294967295)::oid
                  WHERE d.campaign_id = $1 AND d.status = 'planned' AND l.granted) AS leased`,
        [campaign],
      );
      maxSending = Math.max(maxSending, row.sending);
      maxLeasedPlanned = Math.max(maxLeasedPlanned, row.leased);
      await new Promise((r) => setTimeout(r, 5));
    }
    const result = await run;
    expect(result.sent).toBe(150);
    expect(await statusCounts(campaign)).toEqual({ sent: 150 });
    expect(maxSending).toBeGreaterThan(0);
    expect(maxSending).toBeLessThanOrEqual(WINDOW);
    // Several batches claimed at once, well beyond the window, still planned while they wait.
    expect(maxLeasedPlanned).toBeGreaterThan(WINDOW * 2);
    expect(t.sender.window.inUse).toBe(0);
    // One hand-over attempt each, counted when it was marked.
    const [attempts] = await t.db.query(
      `SELECT min(attempts)::int AS lo, max(attempts)::int AS hi FROM deliveries WHERE campaign_id = $1`,
      [campaign],
    );
    expect(attempts).toEqual({ lo: 1, hi: 1 });
  });

  it('a campaign cancelled mid-batch: what was not yet handed over is cancelled, never sent, audited once', async () => {
    const before = smtp.messages.length;
    const { campaign, ids } = await seed(60, 'cancel');
    t.sender.batchSize = 60;
    const run = t.sender.tick();
    await smtp.waitFor(before + 5, 20_000);
    await t.app.get(CampaignsService).cancel(campaign, 'test');
    const result = await run;
    await new Promise((r) => setTimeout(r, 200));
    const counts = await statusCounts(campaign);
    expect(Object.keys(counts).sort()).toEqual(['cancelled', 'sent']);
    expect(counts.sent + counts.cancelled).toBe(60);
    // Only what was marked (≤ the window) or already sent by the cancel went out.
    expect(counts.cancelled).toBeGreaterThanOrEqual(60 - 5 - 2 * WINDOW);
    expect(result.sent).toBe(counts.sent);
    expect(result.cancelled).toBe(0);
    const arrived = smtp.messages.slice(before).map((m) => m.parsed.messageId);
    expect(arrived).toHaveLength(counts.sent);
    const audits: { delivery_id: string; types: string[] }[] = await t.db.query(
      `SELECT delivery_id, array_agg(type ORDER BY id) AS types FROM audit_events
        WHERE delivery_id = ANY($1::uuid[]) GROUP BY delivery_id`,
      [ids],
    );
    const byStatus: { id: string; status: string }[] = await t.db.query(
      `SELECT id, status FROM deliveries WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const typesOf = new Map(audits.map((a) => [a.delivery_id, a.types]));
    for (const d of byStatus) {
      expect(typesOf.get(d.id)).toEqual(
        d.status === 'sent' ? ['delivery.sent'] : ['delivery.cancelled'],
      );
    }
  });

  it('leases that run out mid-batch: recovery and a second claimer leave the live batch alone; each sent once', async () => {
    const before = smtp.messages.length;
    const { campaign, ids } = await seed(60, 'slow');
    t.sender.batchSize = 60;
    const start = t.clock.current;
    try {
      const run = t.sender.tick();
      await smtp.waitFor(before + 3, 20_000);
      // Every lease (on the business clock) has run out while the batch is still being sent.
      t.clock.current = new Date(start.getTime() + 10 * 60_000);
      let done = false;
      let recovered = 0;
      let expiredSeen = 0;
      const recovering = (async () => {
        while (!done) {
          const [row] = await t.db.query(
            `SELECT count(*)::int AS n FROM deliveries
              WHERE campaign_id = $1 AND status = 'sending' AND lease_until < $2`,
            [campaign, t.clock.current],
          );
          expiredSeen = Math.max(expiredSeen, row.n);
          recovered += await t.sender.recoverExpiredLeases();
        }
      })();
      // Another claim by the same instance: the rows not yet marked are held by the live batch.
      const second = await t.sender.runOnce(60, false);
      const first = await run;
      done = true;
      await recovering;
      expect(expiredSeen).toBeGreaterThan(0);
      expect(recovered).toBe(0);
      expect(second.claimed).toBe(0);
      expect(first.sent + second.sent).toBe(60);
      expect(await statusCounts(campaign)).toEqual({ sent: 60 });
      await new Promise((r) => setTimeout(r, 200));
      const arrived = smtp.messages.slice(before).map((m) => m.parsed.messageId);
      expect(arrived).toHaveLength(60);
      expect(new Set(arrived).size).toBe(60);
      const [audit] = await t.db.query(
        `SELECT count(*)::int AS n, count(DISTINCT delivery_id)::int AS d FROM audit_events
          WHERE delivery_id = ANY($1::uuid[])`,
        [ids],
      );
      expect(audit).toEqual({ n: 60, d: 60 });
    } finally {
      t.clock.current = start;
    }
  });
});
