import { AuditWriter } from '../../src/audit-log/audit-writer';
// Rows of types no feature writes ('admin.test'…), so each test finds only its own.
import type { AuditEventType } from '../../src/audit-log/audit-event-types';
import { AuditSealerService } from '../../src/audit/audit-sealer.service';
import { runAuditCommand } from '../../src/cli/audit';
import { Client } from 'pg';
import { cloneTestDatabase } from '../support/database';
import { createTestApp, TestApp } from '../support/test-app';

describe('audit: partitions and the hash chain', () => {
  let t: TestApp;
  let url: string;
  const verify = async (...args: string[]) => {
    let text = '';
    const code = await runAuditCommand(['verify', ...args], {
      databaseUrl: url,
      out: (s) => (text += s),
    });
    return { code, text };
  };
  // What a superuser with psql could do: switch the append-only trigger off for one statement.
  const tamper = async (sql: string, params: unknown[] = []) => {
    await t.db.transaction(async (m) => {
      await m.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await m.query(sql, params);
      await m.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    url = (t.db.options as { url: string }).url;
  });
  afterAll(() => t.close());

  it('is partitioned by month with a DEFAULT partition, and stays append-only', async () => {
    const [p] = await t.db.query(
      `SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'audit_events'::regclass`,
    );
    expect(p.partstrat).toBe('r');
    const parts: { name: string }[] = await t.db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_events'::regclass ORDER BY 1`,
    );
    const names = parts.map((x) => x.name);
    expect(names).toContain('audit_events_default');
    const month = new Date().toISOString().slice(0, 7).replace('-', 'm');
    expect(names).toContain(`audit_events_y${month}`);

    // A row far in the future still goes in (DEFAULT); one this month lands in its partition.
    await t.app.get(AuditWriter).record([
      {
        type: 'admin.test' as AuditEventType,
        actor: 'system',
        at: new Date('2099-01-01T00:00:00Z'),
      },
      { type: 'admin.test' as AuditEventType, actor: 'system' },
    ]);
    const where: { part: string }[] = await t.db.query(
      `SELECT tableoid::regclass::text AS part FROM audit_events WHERE type = 'admin.test' ORDER BY id`,
    );
    expect(where.map((w) => w.part)).toEqual(['audit_events_default', `audit_events_y${month}`]);
    // The month function does not touch a month whose rows already sit in DEFAULT.
    const [{ ok }] = await t.db.query(
      `SELECT audit_events_ensure_partition('2099-01-15T00:00:00Z') AS ok`,
    );
    expect(ok).toBe(false);
    const [{ ok: created }] = await t.db.query(
      `SELECT audit_events_ensure_partition('2098-03-15T00:00:00Z') AS ok`,
    );
    expect(created).toBe(true);

    await expect(t.db.query(`UPDATE audit_events SET type = 'x'`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`TRUNCATE audit_events_y${month}`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`TRUNCATE audit_events_default`)).rejects.toThrow(/append-only/);

    const idx: { indexname: string }[] = await t.db.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'audit_events'`,
    );
    expect(idx.map((i) => i.indexname)).toEqual(
      expect.arrayContaining(['ix_audit_customer', 'ix_audit_campaign', 'ix_audit_at']),
    );
    // Time filters use a BRIN summary, inherited by every partition (new ones included).
    const methods: { relname: string; amname: string }[] = await t.db.query(
      `SELECT c.relname, am.amname FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid IN ('audit_events'::regclass, 'audit_events_y${month}'::regclass,
                             'audit_events_default'::regclass) AND a.attname = 'at' AND i.indnatts = 1`,
    );
    expect(methods.map((m) => m.amname)).toEqual(['brin', 'brin', 'brin']);
  });

  it('verify passes, names the altered row, and passes again once it is restored', async () => {
    // Rows of both writers: AuditWriter and a raw INSERT with the agreed column list.
    await t.app.get(AuditWriter).record(
      Array.from({ length: 30 }, (_, i) => ({
        type: 'admin.test' as AuditEventType,
        actor: 'key:x',
        data: { i, text: 'Тест' },
      })),
    );
    await t.db.query(
      `WITH x AS (SELECT 1) INSERT INTO audit_events (at, type, customer_id, campaign_id, delivery_id, channel, reason, policy_version, actor, data)
       SELECT now(), 'delivery.cancelled', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'email', 'consent_withdrawn', 3, 'system', '{"topic":"tips"}'::jsonb FROM x`,
    );
    const ok = await verify();
    expect(ok.code).toBe(0);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM audit_events`);
    expect(ok.text).toMatch(new RegExp(`^audit OK: \\d+ seals, ${n} rows sealed, 0 newer`));
    await expect(t.db.query(`DELETE FROM audit_seals`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`UPDATE audit_seals SET hash = 'x'`)).rejects.toThrow(/append-only/);

    const [victim] = await t.db.query(
      `SELECT id::text, data FROM audit_events WHERE type = 'admin.test' AND data->>'i' = '7'`,
    );
    await tamper(`UPDATE audit_events SET data = data || '{"i": 8}' WHERE id = $1`, [victim.id]);
    const bad = await verify();
    expect(bad.code).toBe(1);
    expect(bad.text).toMatch(
      new RegExp(`audit BROKEN at seal \\d+, row id ${victim.id}: row altered`),
    );
    // New rows arriving after the tampering do not hide it.
    await t.app.get(AuditWriter).record({ type: 'admin.test' as AuditEventType, actor: 'system' });
    expect((await verify()).code).toBe(1);

    await tamper(`UPDATE audit_events SET data = $2 WHERE id = $1`, [victim.id, victim.data]);
    expect((await verify()).code).toBe(0);
  });

  it('verify names a removed row', async () => {
    const [victim] = await t.db.query(
      `SELECT id::text FROM audit_events WHERE type = 'admin.test' AND data->>'i' = '20'`,
    );
    await tamper(`DELETE FROM audit_events WHERE id = $1`, [victim.id]);
    const bad = await verify('--no-seal');
    expect(bad.code).toBe(1);
    expect(bad.text).toContain(`row id ${victim.id}: row removed`);
    const json = await verify('--json');
    expect(JSON.parse(json.text)).toMatchObject({
      ok: false,
      broken: { rowId: victim.id, problem: 'row removed' },
    });
  });

  it('never seals past an id whose transaction is still open', async () => {
    const fresh = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    try {
      const sealer = fresh.app.get(AuditSealerService);
      const audit = fresh.app.get(AuditWriter);
      await audit.record({ type: 'admin.test' as AuditEventType, actor: 'system' });
      expect(await sealer.sealNow()).toBeGreaterThan(0);

      // A draws an id and stays open; B draws a higher one and commits first.
      const a = fresh.db.createQueryRunner();
      await a.connect();
      await a.startTransaction();
      await audit.record({ type: 'admin.slow' as AuditEventType, actor: 'system' }, a.manager);
      const [{ id: slowId }] = await a.query(
        `SELECT id::text FROM audit_events WHERE type = 'admin.slow'`,
      );
      await audit.record({ type: 'admin.fast' as AuditEventType, actor: 'system' });

      expect(await sealer.sealNow(300)).toBe(0);
      const [{ last }] = await fresh.db.query(`SELECT max(last_id)::text AS last FROM audit_seals`);
      expect(BigInt(last)).toBeLessThan(BigInt(slowId));

      await a.commitTransaction();
      await a.release();
      expect(await sealer.sealNow()).toBe(2);
      const report = await sealer.verify();
      expect(report).toMatchObject({ ok: true, unsealedRows: 0 });
    } finally {
      await fresh.close();
    }
  });

  it('is not held back by an open insert in another database of the same server', async () => {
    // A database cloned from the same template has audit_events under the same OID.
    const fresh = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    const other = await cloneTestDatabase();
    const client = new Client({ connectionString: other.url });
    await client.connect();
    try {
      const sealer = fresh.app.get(AuditSealerService);
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO audit_events (at, type, actor, data) VALUES (now(), 'admin.elsewhere', 'system', '{}')`,
      );
      await fresh.app
        .get(AuditWriter)
        .record({ type: 'admin.test' as AuditEventType, actor: 'system' });
      expect(await sealer.sealNow(300)).toBeGreaterThan(0);
      expect(await sealer.verify()).toMatchObject({ ok: true, unsealedRows: 0 });
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
      await other.drop();
      await fresh.close();
    }
  });
});
