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

const N = 120;

describe('several sender instances on one database', () => {
  let smtp: TestSmtpServer;
  let a: DeliveryTestApp;
  let b: DeliveryTestApp;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    const env = { SMTP_URL: smtp.url };
    a = await createDeliveryApp({ env });
    b = await createDeliveryApp({ env, shareWith: a });
    await createTopics(a);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await smtp.close();
  });

  it('share the due deliveries through SKIP LOCKED: each is sent exactly once', async () => {
    const campaign = await insertCampaign(a, { topic: 'tips' });
    for (let i = 0; i < N; i++) {
      const c = await insertCustomer(a, { email: `many${i}@mail.example` });
      await grant(a, c, 'email', 'tips');
      await insertDelivery(a, { campaignId: campaign, customerId: c, topic: 'tips' });
    }
    // Small batches so that both instances keep claiming while the other sends.
    a.sender.batchSize = 5;
    b.sender.batchSize = 5;
    const [ra, rb] = await Promise.all([a.sender.tick(), b.sender.tick()]);
    expect(ra.sent + rb.sent).toBe(N);
    expect(ra.claimed + rb.claimed).toBe(N);
    const mails = await smtp.waitFor(N);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages).toHaveLength(N);
    const ids = new Set(mails.map((m) => m.parsed.messageId));
    expect(ids.size).toBe(N);
    const rows: { status: string; n: number }[] = await a.db.query(
      `SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`,
    );
    expect(rows).toEqual([{ status: 'sent', n: N }]);
    const [audit] = await a.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT delivery_id)::int AS d FROM audit_events WHERE type = 'delivery.sent'`,
    );
    expect(audit).toEqual({ n: N, d: N });
  });
});
