import { createTestApp, TestApp } from '../support/test-app';
import { portOf, postImport } from './import-upload';

const row = (n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ externalId: `r-${n}`, kind: 'consumer', name: `Customer ${n}`, ...extra });
const rows = (
  from: number,
  to: number,
  extra: (n: number) => Record<string, unknown> = () => ({}),
) => {
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(row(n, extra(n)));
  return `${out.join('\n')}\n`;
};

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('import records', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { IMPORT_STALE_SECONDS: '2' } });
    key = await t.keyFor('integration');
  });
  afterAll(() => t.close());

  const importNdjson = (body: string, as = key) =>
    t.as(as).post('/v1/customers/import').set('Content-Type', 'application/x-ndjson').send(body);
  const customerCount = async () =>
    (await t.db.query(`SELECT count(*)::int AS n FROM customers`))[0].n as number;

  describe('a completed import', () => {
    let importId: string;
    beforeAll(async () => {
      const res = await importNdjson(`${rows(1, 2500)}{"externalId":"bad","kind":"alien"}\n`);
      expect(res.status).toBe(200);
      importId = res.body.importId;
      expect(res.body).toMatchObject({
        status: 'completed',
        rows: 2501,
        inserted: 2500,
        failed: 1,
        lastCommittedLine: 2501,
      });
    });

    it('is shown with its counts to the integration key', async () => {
      const res = await t.as(key).get(`/v1/customers/imports/${importId}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: importId,
        actor: expect.stringMatching(/^key:/),
        format: 'ndjson',
        status: 'completed',
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        rowsRead: 2501,
        inserted: 2500,
        updated: 0,
        rowsWritten: 2500,
        rowsRefused: 1,
        lastCommittedLine: 2501,
        failure: null,
      });
      expect(await customerCount()).toBe(2500);
    });

    it('is listed, newest first, to the roles that may import', async () => {
      const second = await importNdjson(rows(1, 3));
      const list = await t.as(key).get('/v1/customers/imports?limit=2');
      expect(list.status).toBe(200);
      expect(list.body.map((r: { id: string }) => r.id)).toEqual([second.body.importId, importId]);
      expect(list.body[0]).toMatchObject({ status: 'completed', updated: 3, rowsWritten: 3 });
      expect((await t.admin.get(`/v1/customers/imports/${importId}`)).status).toBe(200);
      // Another integration key sees it too: the record belongs to the registry, not to a key.
      const other = await t.keyFor('integration');
      expect((await t.as(other).get(`/v1/customers/imports/${importId}`)).status).toBe(200);
    });

    it.each(['marketer', 'auditor'] as const)('is refused to a %s key', async (role) => {
      const k = await t.keyFor(role);
      expect((await t.as(k).get(`/v1/customers/imports/${importId}`)).status).toBe(403);
      expect((await t.as(k).get(`/v1/customers/imports`)).status).toBe(403);
    });

    it('answers 404 for an unknown id and 400 naming the field for a bad id or limit', async () => {
      const missing = await t
        .as(key)
        .get('/v1/customers/imports/0190a0a0-0000-7000-8000-000000000000');
      expect(missing.status).toBe(404);
      const bad = await t.as(key).get('/v1/customers/imports/not-a-uuid');
      expect(bad.status).toBe(400);
      for (const limit of ['0', '101', 'x', '1.5']) {
        const res = await t.as(key).get(`/v1/customers/imports?limit=${limit}`);
        expect(res.status).toBe(400);
        expect(res.body.message).toEqual(['limit must be a whole number from 1 to 100']);
      }
    });

    it('has import.started and import.completed audit rows with counts only', async () => {
      const audit = await t.db.query(
        `SELECT type, actor, data FROM audit_events WHERE data->>'importId' = $1 ORDER BY id`,
        [importId],
      );
      expect(audit).toEqual([
        {
          type: 'import.started',
          actor: expect.stringMatching(/^key:/),
          data: { importId, format: 'ndjson' },
        },
        {
          type: 'import.completed',
          actor: expect.stringMatching(/^key:/),
          data: {
            importId,
            format: 'ndjson',
            rows: 2501,
            inserted: 2500,
            updated: 0,
            failed: 1,
            lastCommittedLine: 2501,
          },
        },
      ]);
      expect(JSON.stringify(audit)).not.toContain('Customer');
    });
  });

  describe('when the database refuses what the row checks let through', () => {
    beforeAll(async () => {
      await t.db.query(
        `ALTER TABLE customers ADD CONSTRAINT test_refused CHECK (name IS DISTINCT FROM 'refused by the database')`,
      );
      // A failure that is not about a row: as if the statement were cancelled.
      await t.db.query(`
        CREATE FUNCTION test_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.name = 'cancel the statement' THEN
            RAISE EXCEPTION 'cancelled for the test' USING ERRCODE = '57014';
          END IF;
          RETURN NEW;
        END $$`);
      await t.db.query(
        `CREATE TRIGGER test_cancel BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION test_cancel()`,
      );
    });
    afterAll(async () => {
      await t.db.query(`DROP TRIGGER test_cancel ON customers`);
      await t.db.query(`ALTER TABLE customers DROP CONSTRAINT test_refused`);
    });

    it('reports the refused rows by line and writes the rest of their batch', async () => {
      const before = await customerCount();
      const refused = new Set([5, 1999, 2000, 2001, 3333]);
      const res = await importNdjson(
        rows(10_001, 14_000, (n) =>
          refused.has(n - 10_000) ? { name: 'refused by the database' } : {},
        ),
      );
      expect(res.body).toMatchObject({
        status: 'completed',
        rows: 4000,
        inserted: 4000 - refused.size,
        failed: refused.size,
      });
      expect(res.body.errors).toEqual(
        [...refused].map((line) => ({
          line,
          field: 'row',
          message: 'the database refused the row (SQLSTATE 23514)',
        })),
      );
      expect(await customerCount()).toBe(before + 4000 - refused.size);
      const record = await t.as(key).get(`/v1/customers/imports/${res.body.importId}`);
      expect(record.body).toMatchObject({
        status: 'completed',
        rowsRead: 4000,
        rowsWritten: 4000 - refused.size,
        rowsRefused: refused.size,
        lastCommittedLine: 4000,
      });
    });

    it('a batch that fails for another reason stops the import; the report and the record say which lines were written', async () => {
      const before = await customerCount();
      const res = await importNdjson(
        rows(20_001, 25_000, (n) => (n === 23_000 ? { name: 'cancel the statement' } : {})),
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'failed',
        inserted: 2000,
        lastCommittedLine: 2000,
        failure: 'the database refused a batch (SQLSTATE 57014); lines after 2000 were not written',
      });
      expect(await customerCount()).toBe(before + 2000);
      const record = await t.as(key).get(`/v1/customers/imports/${res.body.importId}`);
      expect(record.body).toMatchObject({
        status: 'failed',
        rowsRead: 2000,
        rowsWritten: 2000,
        rowsRefused: 0,
        lastCommittedLine: 2000,
        failure: res.body.failure,
      });
      const [audit] = await t.db.query(
        `SELECT data FROM audit_events WHERE type = 'import.failed' AND data->>'importId' = $1`,
        [res.body.importId],
      );
      expect(audit.data).toMatchObject({ inserted: 2000, failure: res.body.failure });
    });
  });

  it('a client that aborts mid-upload leaves an interrupted record whose counts match the table', async () => {
    const before = await customerCount();
    const port = await portOf(t);
    let importId: string | undefined;
    const upload = postImport(port, key, 'application/x-ndjson', (req) => {
      req.write(rows(30_001, 35_000));
      req.write('{"externalId":"r-cut-in-the-mid');
      void (async () => {
        // Abort once a batch has committed, with more rows read behind it.
        importId = await until(async () => {
          const [r] = await t.db.query(
            `SELECT id FROM customer_imports WHERE status = 'running' AND rows_inserted >= 2000`,
          );
          return r?.id as string | undefined;
        });
        req.destroy();
      })();
    });
    await expect(upload).rejects.toThrow();
    const record = await until(async () => {
      const res = await t.as(key).get(`/v1/customers/imports/${importId}`);
      return res.body.status === 'running' ? undefined : res.body;
    });
    const written = (await customerCount()) - before;
    expect(record).toMatchObject({
      status: 'interrupted',
      rowsWritten: written,
      rowsRefused: 0,
      failure: expect.stringMatching(/^the upload ended before the end of the file/),
    });
    expect(written).toBeGreaterThanOrEqual(2000);
    expect(written % 2000).toBe(0);
    expect(record.rowsRead).toBe(written);
    expect(record.lastCommittedLine).toBe(written);
    // Exactly the first lines of the file are in the table.
    const [{ max }] = await t.db.query(
      `SELECT max(substring(external_id from 3)::int) AS max FROM customers WHERE external_id LIKE 'r-3____'`,
    );
    expect(max).toBe(30_000 + written);
  });

  it('an import whose record was swept as interrupted (it stalled) commits no further batch', async () => {
    const before = await customerCount();
    const port = await portOf(t);
    const upload = postImport(port, key, 'application/x-ndjson', (req) => {
      req.write(rows(40_001, 42_500));
      void (async () => {
        const id = await until(async () => {
          const [r] = await t.db.query(
            `SELECT id FROM customer_imports WHERE status = 'running' AND rows_inserted >= 2000`,
          );
          return r?.id as string | undefined;
        });
        // What the sweeper does to a record whose heartbeat is stale.
        await t.db.query(
          `UPDATE customer_imports SET status = 'interrupted', finished_at = now() WHERE id = $1`,
          [id],
        );
        req.end(rows(42_501, 45_000));
      })();
    });
    const res = await upload;
    expect(res.body).toMatchObject({
      status: 'interrupted',
      inserted: 2000,
      lastCommittedLine: 2000,
      failure: expect.stringMatching(
        /^the import was closed as interrupted after 2 s without a heartbeat/,
      ),
    });
    expect((await customerCount()) - before).toBe(2000);
    const record = await t.as(key).get(`/v1/customers/imports/${res.body.importId}`);
    expect(record.body).toMatchObject({
      status: 'interrupted',
      rowsWritten: 2000,
      lastCommittedLine: 2000,
    });
  });
});
