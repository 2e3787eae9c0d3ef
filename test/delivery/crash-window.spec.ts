import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { cloneTestDatabase } from '../support/database';
import { startSmtpServer } from '../support/smtp';
import { startTwilioServer } from '../support/twilio-server';
import { seedPlannedDeliveries } from './seed';
import { exited, startWorker, until } from './worker-process';

const N = 2000;
/** The sender's hand-over window: what one instance may have handed over without a record. */
const IN_FLIGHT = 10;

/** Where the sender hands messages over, as the test sees it. */
interface Sink {
  /** The sender's settings for this transport. */
  env: Record<string, string>;
  /** Messages accepted so far. */
  accepted(): number;
  /** One key per accepted message: the same delivery twice gives the same key twice. */
  keys(): string[];
  /** The provider ids (what the sender records) of the accepted messages. */
  providerIds(): Set<string>;
  close(): Promise<void>;
}

const SINKS: Record<'email' | 'sms', () => Promise<Sink>> = {
  email: async () => {
    const smtp = await startSmtpServer();
    return {
      env: { SMTP_URL: smtp.url, EMAIL_RATE_PER_SECOND: '250' },
      accepted: () => smtp.messages.length,
      // One Message-ID per delivery.
      keys: () => smtp.messages.map((m) => m.parsed.messageId!),
      providerIds: () => new Set(smtp.messages.map((m) => m.parsed.messageId!)),
      close: () => smtp.close(),
    };
  },
  sms: async () => {
    const tw = await startTwilioServer();
    const created = () => tw.requests.filter((r) => r.kind === 'message' && r.status === 201);
    return {
      env: {
        TWILIO_ACCOUNT_SID: tw.accountSid,
        TWILIO_AUTH_TOKEN: tw.authToken,
        TWILIO_FROM: '+15005550006',
        TWILIO_API_URL: tw.url,
        SMS_RATE_PER_SECOND: '250',
      },
      accepted: () => tw.created.message,
      // Each seeded customer has a number of their own: one per delivery.
      keys: () => created().map((r) => r.params.To),
      providerIds: () => new Set(created().map((r) => r.sid!)),
      close: () => tw.close(),
    };
  },
};

describe.each(['email', 'sms'] as const)(
  'crash window (%s): a sender killed mid-campaign loses only what it had in flight',
  (channel) => {
    let sink: Sink;
    let db: Client;
    let drop: () => Promise<void>;
    let env: Record<string, string>;
    let campaignId: string;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      sink = await SINKS[channel]();
      const database = await cloneTestDatabase();
      drop = database.drop;
      db = new Client({ connectionString: database.url });
      await db.connect();
      campaignId = await seedPlannedDeliveries(db, { n: N, channel, tag: 'window' });
      env = {
        DATABASE_URL: database.url,
        TACTFUL_ROLES: 'worker',
        TACTFUL_SECRET: 'crash-secret-0123456789abcdef0123456789',
        TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-window-')),
        LOG_LEVEL: 'silent',
        MAIL_FROM: 'Shop <news@shop.example>',
        // Paced (250/s) so that the campaign takes several seconds and every kill lands mid-send;
        // the sender's own batch size and loops are the production defaults.
        ...sink.env,
        SEND_LEASE_SECONDS: '5',
      };
    });
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
      await db.end();
      await drop();
      await sink.close();
    });

    it('two instances, one SIGKILLed and restarted at several moments: no duplicate, ≤ the window unknown per kill, the rest delivered', async () => {
      const start = async () => {
        const child = await startWorker(env);
        children.push(child);
        return child;
      };
      const workers = await Promise.all([start(), start()]);
      const killedPids: number[] = [];
      // Kill an instance early, in the middle and late in the campaign, alternating which one.
      const moments = [250, 800, 1300];
      for (const [i, target] of moments.entries()) {
        await until(() => sink.accepted() >= target, 120_000, 20);
        const victim = workers[i % 2];
        killedPids.push(victim.pid!);
        victim.kill('SIGKILL');
        await exited(victim);
        // What the dead instance left marked: at most the window.
        const { rows } = await db.query(
          `SELECT count(*)::int AS sending FROM deliveries WHERE status = 'sending' AND leased_by LIKE $1`,
          [`%:${victim.pid}:%`],
        );
        expect(rows[0].sending).toBeLessThanOrEqual(IN_FLIGHT);
        workers[i % 2] = await start();
      }
      await until(
        async () => {
          const { rows } = await db.query(
            `SELECT count(*)::int AS n FROM deliveries WHERE status IN ('planned', 'sending')`,
          );
          return rows[0].n === 0;
        },
        120_000,
        20,
      );
      for (const w of workers) {
        w.kill('SIGTERM');
        await exited(w);
      }
      await new Promise((r) => setTimeout(r, 200));

      // No duplicate at the provider: every delivery arrived at most once.
      const ids = sink.keys();
      expect(new Set(ids).size).toBe(ids.length);

      const { rows: byStatus } = await db.query(
        `SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`,
      );
      const counts = Object.fromEntries(byStatus.map((r) => [r.status, r.n])) as Record<
        string,
        number
      >;
      // Only sent and unknown: nothing failed, nothing cancelled, nothing left behind.
      expect(Object.keys(counts).sort()).toEqual(counts.unknown ? ['sent', 'unknown'] : ['sent']);
      expect(counts.sent + (counts.unknown ?? 0)).toBe(N);

      // At most the hand-over window became unknown per killed instance, and only for the killed ones.
      const { rows: unknownBy } = await db.query(
        `SELECT data->>'leasedBy' AS leased_by, count(*)::int AS n FROM audit_events
        WHERE type = 'delivery.unknown' GROUP BY 1`,
      );
      const totalUnknown = unknownBy.reduce((a, r) => a + (r.n as number), 0);
      expect(totalUnknown).toBe(counts.unknown ?? 0);
      for (const r of unknownBy) {
        const pid = Number(String(r.leased_by).split(':')[1]);
        expect(killedPids).toContain(pid);
        expect(r.n).toBeLessThanOrEqual(IN_FLIGHT);
      }
      expect(totalUnknown).toBeLessThanOrEqual(IN_FLIGHT * moments.length);

      // Every delivery recorded as sent arrived; an unknown one arrived at most once.
      const { rows: sent } = await db.query(
        `SELECT provider_id FROM deliveries WHERE status = 'sent'`,
      );
      const arrived = sink.providerIds();
      expect(sent.filter((r) => !arrived.has(r.provider_id))).toEqual([]);
      expect(ids.length).toBeGreaterThanOrEqual(counts.sent);
      expect(ids.length).toBeLessThanOrEqual(N);

      // Progress tells unknown apart from failed.
      const { rows: progress } = await db.query(
        `SELECT count(*) FILTER (WHERE status = 'failed')::int AS failed FROM deliveries WHERE campaign_id = $1`,
        [campaignId],
      );
      expect(progress[0].failed).toBe(0);
    }, 300_000);
  },
);
