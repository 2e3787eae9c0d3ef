import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { cloneTestDatabase } from '../support/database';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { seedPlannedDeliveries } from './seed';
import { exited, startWorker, until } from './worker-process';

const N = 400;
const KILLS = 4;

describe('crash safety: a sender killed with SIGKILL mid-batch, again and again', () => {
  let smtp: TestSmtpServer;
  let db: Client;
  let drop: () => Promise<void>;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    const database = await cloneTestDatabase();
    drop = database.drop;
    db = new Client({ connectionString: database.url });
    await db.connect();
    await seedPlannedDeliveries(db, { n: N, channel: 'email', tag: 'crash' });
    env = {
      DATABASE_URL: database.url,
      SMTP_URL: smtp.url,
      TACTFUL_ROLES: 'worker',
      TACTFUL_SECRET: 'crash-secret-0123456789abcdef0123456789',
      TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-crash-')),
      LOG_LEVEL: 'silent',
      MAIL_FROM: 'Shop <news@shop.example>',
      // Slow enough that every kill lands in the middle of a batch.
      EMAIL_RATE_PER_SECOND: '150',
      // Small batches: a kill loses (as `unknown`) only what was claimed and not yet recorded.
      SENDER_BATCH: '10',
      SEND_LEASE_SECONDS: '5',
    };
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    await db.end();
    await drop();
    await smtp.close();
  });

  it('never delivers a message twice and leaves every delivery sent, failed, cancelled or unknown', async () => {
    for (let i = 0; i < KILLS; i++) {
      const before = smtp.messages.length;
      const child = await startWorker(env);
      children.push(child);
      // Kill somewhere inside the sending, at a different point each round.
      const target = before + 10 + Math.floor(Math.random() * 30);
      await until(() => smtp.messages.length >= target || child.exitCode !== null, 30_000).catch(
        async (err: Error) => {
          const { rows } = await db.query(
            `SELECT status, last_error, count(*)::int AS n FROM deliveries GROUP BY 1, 2`,
          );
          throw new Error(
            `${err.message}: ${JSON.stringify(rows)}, ${smtp.messages.length} e-mails`,
          );
        },
      );
      child.kill('SIGKILL');
      await exited(child);
    }
    const { rows: midway } = await db.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE status = 'sending'`,
    );
    // Each kill left claimed rows behind, whose fate the next sender must not guess.
    expect(midway[0].n).toBeGreaterThan(0);

    const last = await startWorker(env);
    children.push(last);
    await until(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM deliveries WHERE status IN ('planned', 'sending')`,
      );
      return rows[0].n === 0;
    }, 60_000);
    last.kill('SIGTERM');
    await exited(last);

    const { rows: byStatus } = await db.query(
      `SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`,
    );
    const counts = Object.fromEntries(byStatus.map((r) => [r.status, r.n])) as Record<
      string,
      number
    >;
    expect(
      Object.keys(counts).every((s) => ['sent', 'failed', 'cancelled', 'unknown'].includes(s)),
    ).toBe(true);
    expect(counts.unknown).toBeGreaterThan(0);
    expect(counts.sent).toBeGreaterThan(0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(N);

    // No duplicate: every Message-ID (one per delivery) arrived at most once.
    const ids = smtp.messages.map((m) => m.parsed.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    // Every delivery recorded as sent really arrived; the others that arrived are the unknown ones.
    const { rows: sent } = await db.query(
      `SELECT provider_id FROM deliveries WHERE status = 'sent'`,
    );
    const arrived = new Set(ids);
    expect(sent.every((r) => arrived.has(r.provider_id))).toBe(true);
    const { rows: unknown } = await db.query(
      `SELECT '<' || id || '@shop.example>' AS mid FROM deliveries WHERE status = 'unknown'`,
    );
    const unknownIds = new Set(unknown.map((r) => r.mid as string));
    expect(ids.every((id) => unknownIds.has(id!) || sent.some((r) => r.provider_id === id))).toBe(
      true,
    );
    // Each unknown has its audit row; each sent one its delivery.sent row.
    const { rows: audits } = await db.query(
      `SELECT type, count(*)::int AS n FROM audit_events WHERE type IN ('delivery.sent', 'delivery.unknown') GROUP BY type`,
    );
    const auditCounts = Object.fromEntries(audits.map((r) => [r.type, r.n]));
    expect(auditCounts['delivery.sent']).toBe(counts.sent);
    expect(auditCounts['delivery.unknown']).toBe(counts.unknown);
  }, 300_000);
});
