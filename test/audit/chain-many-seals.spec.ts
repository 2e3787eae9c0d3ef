import { AuditSealerService } from '../../src/audit/audit-sealer.service';
import { runAuditCommand } from '../../src/cli/audit';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Seal numbers and row ids are numbers: a chain of 1,000 seals (past 9 → 10, 99 → 100, 999 →
 * 1000, where a text sort goes wrong) keeps sealing and verifies, and tampering by SQL with any
 * sealed row is reported at that row.
 */
describe('audit: a chain of 1,000 seals', () => {
  const SEALS = 1000;
  let t: TestApp;
  let sealer: AuditSealerService;
  let auditor: string;
  const verifyCli = async (...args: string[]) => {
    let text = '';
    const code = await runAuditCommand(['verify', ...args], {
      databaseUrl: t.databaseUrl,
      out: (s) => (text += s),
    });
    return { code, text };
  };
  const verifyHttp = async () => {
    const res = await t.as(auditor).get('/v1/audit/verify');
    expect(res.status).toBe(200);
    return res.body as {
      ok: boolean;
      seals: number;
      rows: number;
      broken?: { seq: string; rowId: string | null; problem: string };
    };
  };
  // What a superuser with psql could do: switch the append-only trigger off for one statement.
  const tamper = async (sql: string, params: unknown[] = []) => {
    await t.db.transaction(async (m) => {
      await m.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await m.query(sql, params);
      await m.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
  };
  /** The first row id a seal covers. */
  const firstRowOf = async (seq: number): Promise<string> =>
    (await t.db.query(`SELECT first_id::text AS id FROM audit_seals WHERE seq = $1`, [seq]))[0].id;
  const row = async (id: string) =>
    (
      await t.db.query(
        `SELECT id::text, at, type, customer_id, campaign_id, delivery_id, channel, reason,
                policy_version, actor, data FROM audit_events WHERE id = $1`,
        [id],
      )
    )[0] as Record<string, unknown>;

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    sealer = t.app.get(AuditSealerService);
    auditor = await t.keyFor('auditor');
    await sealer.sealNow();
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM audit_seals`);
    // Each seal covers the rows written since the one before: one row, one seal.
    for (let i = n; i < SEALS; i++) {
      await t.db.query(
        `INSERT INTO audit_events (at, type, actor, data) VALUES (now(), 'admin.test', 'system', $1)`,
        [{ i }],
      );
      // Alternate the two sealing paths: the scheduler's tick and sealNow.
      if (i % 2) expect(await sealer.sealNow()).toBe(1);
      else {
        await sealer.tick(); // takes the horizon
        expect(await sealer.tick()).toBe(1); // seals up to it
      }
    }
  }, 300_000);
  afterAll(() => t.close());

  it('keeps sealing past seal 10, 100 and 1,000, in number order', async () => {
    const seqs: { seq: string }[] = await t.db.query(
      `SELECT seq::text AS seq FROM audit_seals ORDER BY audit_seals.seq`,
    );
    expect(seqs.map((s) => Number(s.seq))).toEqual(Array.from({ length: SEALS }, (_, i) => i + 1));
    await t.db.query(
      `INSERT INTO audit_events (at, type, actor) VALUES (now(), 'admin.test', 'system')`,
    );
    expect(await sealer.sealNow()).toBe(1);
    const [{ max }] = await t.db.query(`SELECT max(seq)::int AS max FROM audit_seals`);
    expect(max).toBe(SEALS + 1);
  });

  it('verify passes over every seal: the API and the CLI', async () => {
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM audit_events`);
    const report = await verifyHttp();
    expect(report).toMatchObject({ ok: true, seals: SEALS + 1, rows: n });
    const cli = await verifyCli();
    expect(cli.code).toBe(0);
    expect(cli.text).toMatch(new RegExp(`^audit OK: ${SEALS + 1} seals, ${n} rows sealed`));
    const json = await verifyCli('--json', '--no-seal');
    expect(JSON.parse(json.text)).toMatchObject({ ok: true, seals: SEALS + 1 });
  }, 120_000);

  it.each([[2], [11], [100], [437], [SEALS]])(
    'an altered row in seal %i is reported at that row, then passes once restored',
    async (seq) => {
      const id = await firstRowOf(seq);
      const before = await row(id);
      await tamper(`UPDATE audit_events SET reason = 'rewritten' WHERE id = $1`, [id]);
      const report = await verifyHttp();
      expect(report.ok).toBe(false);
      expect(report.broken).toEqual({ seq: String(seq), rowId: id, problem: 'row altered' });
      const cli = await verifyCli('--no-seal');
      expect(cli.code).toBe(1);
      expect(cli.text).toContain(`audit BROKEN at seal ${seq}, row id ${id}: row altered`);
      await tamper(`UPDATE audit_events SET reason = $2 WHERE id = $1`, [id, before.reason]);
      expect((await verifyHttp()).ok).toBe(true);
    },
    60_000,
  );

  it('two sealed rows swapped by SQL are reported at the first of them', async () => {
    const a = await firstRowOf(512);
    const b = await firstRowOf(513);
    const swap = async () => {
      await tamper(`UPDATE audit_events SET id = -1 WHERE id = $1`, [a]);
      await tamper(`UPDATE audit_events SET id = $1 WHERE id = $2`, [a, b]);
      await tamper(`UPDATE audit_events SET id = $1 WHERE id = -1`, [b]);
    };
    await swap();
    const report = await verifyHttp();
    expect(report.broken).toEqual({ seq: '512', rowId: a, problem: 'row altered' });
    await swap();
    expect((await verifyHttp()).ok).toBe(true);
  }, 60_000);

  it('a deleted sealed row is reported at that row (seal 999)', async () => {
    const id = await firstRowOf(999);
    await tamper(`DELETE FROM audit_events WHERE id = $1`, [id]);
    const report = await verifyHttp();
    expect(report.broken).toEqual({ seq: '999', rowId: id, problem: 'row removed' });
    const cli = await verifyCli();
    expect(cli.code).toBe(1);
    expect(cli.text).toContain(`audit BROKEN at seal 999, row id ${id}: row removed`);
  }, 60_000);

  it('the CLI says when it could not check the chain (exit 2, no stack trace)', async () => {
    let out = '';
    let err = '';
    const code = await runAuditCommand(['verify'], {
      databaseUrl: t.databaseUrl.replace(/\/[^/?]+(\?|$)/, '/no_such_database$1'),
      out: (s) => (out += s),
      err: (s) => (err += s),
    });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^audit verify could not run: .*no_such_database/);
    expect(err).not.toContain('    at ');
  });

  it('pages and exports over 1,000+ rows in numeric id order, both ways', async () => {
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM audit_events`);
    for (const order of ['asc', 'desc'] as const) {
      const ids: bigint[] = [];
      let cursor: string | null = null;
      do {
        const res = await t
          .as(auditor)
          .get(
            `/v1/audit?limit=97&order=${order}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
        expect(res.status).toBe(200);
        ids.push(...res.body.items.map((i: { id: string }) => BigInt(i.id)));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(ids).toHaveLength(n);
      const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(ids).toEqual(order === 'asc' ? sorted : sorted.reverse());
    }
    const exported = await t.as(auditor).get('/v1/audit/export?format=ndjson');
    expect(exported.status).toBe(200);
    const lines = exported.text
      .trim()
      .split('\n')
      .map((l) => BigInt(JSON.parse(l).id));
    expect(lines).toHaveLength(n);
    expect(lines.every((id, i) => i === 0 || id > lines[i - 1])).toBe(true);
    const huge = Buffer.from('a:9999999999999999999').toString('base64url');
    const bad = await t.as(auditor).get(`/v1/audit?cursor=${huge}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(['cursor is not valid']);
  }, 60_000);
});
