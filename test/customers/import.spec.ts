import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createTestApp, TestApp } from '../support/test-app';

const ndjson = (...lines: (object | string)[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

describe('customer import', () => {
  let t: TestApp;
  let integration: string;
  beforeAll(async () => {
    t = await createTestApp();
    integration = await t.keyFor('integration');
  });
  afterAll(() => t.close());

  const importAs = (key: string, contentType: string, body: string) =>
    t.as(key).post('/v1/customers/import').set('Content-Type', contentType).send(body);
  const customers = () =>
    t.db.query('SELECT external_id, email, phone, attributes FROM customers ORDER BY external_id');

  describe('NDJSON', () => {
    const file = ndjson(
      {
        externalId: 'n-1',
        kind: 'consumer',
        name: 'Анна',
        email: 'anna@example.ru',
        phone: '8 916 123-45-67',
      },
      '',
      '{"externalId": "n-bad-json", "kind": ',
      {
        externalId: 'n-2',
        kind: 'business',
        company: 'ООО Ромашка',
        attributes: { city: 'Казань' },
      },
      { externalId: 'n-3', kind: 'consumer', email: 'not-an-email' },
      { externalId: 'n-1', kind: 'consumer', name: 'Анна (дубль)' },
      '   ',
      { externalId: 'n-4', kind: 'consumer', timezone: 'Mars/Olympus' },
      { externalId: 'n-5', kind: 'consumer', foo: 'bar' },
      '[1, 2]',
      { externalId: 'n-6', kind: 'consumer', locale: 'ru' },
    );

    it('commits the good rows and reports each bad one with its line, field and reason', async () => {
      const res = await importAs(integration, 'application/x-ndjson', file);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        importId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: 'completed',
        lastCommittedLine: 11,
        format: 'ndjson',
        rows: 9,
        inserted: 3,
        updated: 0,
        failed: 6,
        errorsTruncated: false,
        errors: [
          { line: 3, field: 'row', message: 'line is not valid JSON' },
          { line: 5, field: 'email', message: 'email must be an email' },
          { line: 6, field: 'externalId', message: 'externalId duplicates line 1 of this file' },
          {
            line: 8,
            field: 'timezone',
            message: expect.stringMatching(/^timezone must be an IANA time zone/),
          },
          { line: 9, field: 'foo', message: 'property foo should not exist' },
          { line: 10, field: 'row', message: 'row must be a JSON object' },
        ],
      });
      expect(await customers()).toEqual([
        { external_id: 'n-1', email: 'anna@example.ru', phone: '+79161234567', attributes: {} },
        { external_id: 'n-2', email: null, phone: null, attributes: { city: 'Казань' } },
        { external_id: 'n-6', email: null, phone: null, attributes: {} },
      ]);
      // The first n-1 stands: the duplicate later in the file did not overwrite it.
      const [n1] = await t.db.query(`SELECT name FROM customers WHERE external_id = 'n-1'`);
      expect(n1.name).toBe('Анна');
    });

    it('updates on re-import and counts the updates', async () => {
      const res = await importAs(
        integration,
        'application/x-ndjson; charset=utf-8',
        ndjson(
          { externalId: 'n-1', kind: 'consumer', name: 'Анна Петрова', email: 'anna@example.ru' },
          {
            externalId: 'n-2',
            kind: 'business',
            company: 'ООО Ромашка',
            attributes: { city: 'Москва' },
          },
          { externalId: 'n-7', kind: 'consumer' },
        ),
      );
      expect(res.body).toMatchObject({ rows: 3, inserted: 1, updated: 2, failed: 0, errors: [] });
      const rows = await t.db
        .query(`SELECT external_id, name, attributes FROM customers WHERE external_id IN ('n-1', 'n-2')
                                     ORDER BY external_id`);
      expect(rows).toEqual([
        { external_id: 'n-1', name: 'Анна Петрова', attributes: {} },
        { external_id: 'n-2', name: null, attributes: { city: 'Москва' } },
      ]);
    });

    it('reads a last line without a newline, CRLF line ends and a file of only blank lines', async () => {
      const res = await importAs(
        integration,
        'application/x-ndjson',
        `${JSON.stringify({ externalId: 'n-8', kind: 'consumer' })}\r\n\r\n${JSON.stringify({ externalId: 'n-9', kind: 'consumer' })}`,
      );
      expect(res.body).toMatchObject({ rows: 2, inserted: 2, failed: 0 });
      const empty = await importAs(integration, 'application/x-ndjson', '\n\n  \n');
      expect(empty.body).toMatchObject({ rows: 0, inserted: 0, updated: 0, failed: 0, errors: [] });
    });

    it('records the import in the audit table without personal data', async () => {
      const audit = await t.db.query(
        `SELECT actor, data FROM audit_events WHERE type = 'import.completed' ORDER BY id`,
      );
      expect(audit[0]).toEqual({
        actor: expect.stringMatching(/^key:/),
        data: {
          importId: expect.any(String),
          format: 'ndjson',
          rows: 9,
          inserted: 3,
          updated: 0,
          failed: 6,
          lastCommittedLine: 11,
        },
      });
      expect(JSON.stringify(audit)).not.toContain('anna@example.ru');
    });
  });

  describe('CSV', () => {
    const header =
      'externalId,kind,name,email,phone,company,attributes.city,accountManager.name,accountManager.phone';
    const file = [
      header,
      'c-1,consumer,Анна,anna.csv@example.ru,8 916 123-45-67,,Казань,,',
      'c-2,business,Олег,,,"ООО ""Ромашка"", филиал",Москва,Игорь,+79161234568',
      'c-3,consumer,"Bro"ken,,,,,,',
      'c-4,consumer,Too few',
      'c-5,consumer,"Многострочное',
      'имя",,,,Тверь,,',
      'c-6,consumer,Bad email,nope,,,,,',
      '',
      'c-7,consumer,Last,,,,Самара,,',
    ].join('\r\n');

    it('stores the good rows with attributes and reports broken quoting and wrong column counts per row', async () => {
      const before = await t.db.query('SELECT count(*)::int AS n FROM customers');
      const res = await importAs(integration, 'text/csv', file);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        format: 'csv',
        rows: 7,
        inserted: 4,
        updated: 0,
        failed: 3,
      });
      expect(res.body.errors).toEqual([
        { line: 4, field: 'row', message: expect.stringMatching(/^CSV: .*quote/i) },
        { line: 5, field: 'row', message: expect.stringMatching(/^CSV: .*(column|length)/i) },
        { line: 8, field: 'email', message: 'email must be an email' },
      ]);
      const rows = await t.db.query(
        `SELECT external_id, kind, name, email, phone, company, account_manager_name, account_manager_phone, attributes
         FROM customers WHERE external_id LIKE 'c-%' ORDER BY external_id`,
      );
      expect(rows).toEqual([
        {
          external_id: 'c-1',
          kind: 'consumer',
          name: 'Анна',
          email: 'anna.csv@example.ru',
          phone: '+79161234567',
          company: null,
          account_manager_name: null,
          account_manager_phone: null,
          attributes: { city: 'Казань' },
        },
        {
          external_id: 'c-2',
          kind: 'business',
          name: 'Олег',
          email: null,
          phone: null,
          company: 'ООО "Ромашка", филиал',
          account_manager_name: 'Игорь',
          account_manager_phone: '+79161234568',
          attributes: { city: 'Москва' },
        },
        expect.objectContaining({
          external_id: 'c-5',
          name: 'Многострочное\r\nимя',
          attributes: { city: 'Тверь' },
        }),
        expect.objectContaining({
          external_id: 'c-7',
          name: 'Last',
          attributes: { city: 'Самара' },
        }),
      ]);
      const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM customers');
      expect(n).toBe(before[0].n + 4);
    });

    it('reports a quote never closed at the end of the file, keeping the rows before it', async () => {
      const res = await importAs(
        integration,
        'text/csv',
        `${header}\nc-8,consumer,Fine,,,,,,\nc-9,consumer,"never closed,,,,,,\n`,
      );
      expect(res.body).toMatchObject({ rows: 2, inserted: 1, failed: 1 });
      expect(res.body.errors).toEqual([
        {
          line: expect.any(Number),
          field: 'row',
          message: expect.stringMatching(/^CSV: .*quote/i),
        },
      ]);
      expect(await t.db.query(`SELECT 1 FROM customers WHERE external_id = 'c-8'`)).toHaveLength(1);
    });

    it('accepts ?format=csv whatever the content type says', async () => {
      const res = await t
        .as(integration)
        .post('/v1/customers/import?format=csv')
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from(`externalId,kind\nc-10,consumer\n`));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ format: 'csv', rows: 1, inserted: 1 });
    });
  });

  describe('refusals', () => {
    it.each([
      ['application/json', '[{"externalId": "x", "kind": "consumer"}]'],
      ['text/plain', '{"externalId": "x", "kind": "consumer"}\n'],
    ])('answers 415 for Content-Type %s', async (type, body) => {
      const before = await customers();
      const res = await importAs(integration, type, body);
      expect(res.status).toBe(415);
      expect(res.body).toEqual({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: [expect.stringMatching(/Content-Type must be application\/x-ndjson or text\/csv/)],
      });
      expect(await customers()).toEqual(before);
    });

    it('answers 415 for an unknown ?format', async () => {
      const res = await t
        .as(integration)
        .post('/v1/customers/import?format=xml')
        .set('Content-Type', 'text/csv')
        .send('externalId,kind\nx,consumer\n');
      expect(res.status).toBe(415);
      expect(res.body.message).toEqual(['format must be ndjson or csv']);
    });

    it.each(['marketer', 'auditor'] as const)(
      'answers 403 to a %s key, writing nothing',
      async (role) => {
        const before = await customers();
        const key = await t.keyFor(role);
        const res = await importAs(
          key,
          'application/x-ndjson',
          ndjson({ externalId: 'x', kind: 'consumer' }),
        );
        expect(res.status).toBe(403);
        expect(await customers()).toEqual(before);
      },
    );

    it('answers 401 without a key', async () => {
      const res = await t.http
        .post('/v1/customers/import')
        .set('Content-Type', 'application/x-ndjson')
        .send(ndjson({ externalId: 'x', kind: 'consumer' }));
      expect(res.status).toBe(401);
    });
  });
});

describe('customer import of a bigger file, streamed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const ROWS = 5000;
  const BAD = new Set([1000, 1001, 4999]);

  /** Sends the generated file in many small chunks, as a real upload would arrive. */
  async function upload(
    key: string,
    from: number,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const server = t.app.getHttpServer();
    if (!server.listening)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    function* lines() {
      for (let i = 1; i <= ROWS; i++) {
        const n = from + i;
        yield `${JSON.stringify({
          externalId: `big-${n}`,
          kind: i % 10 === 0 ? 'business' : 'consumer',
          ...(i % 10 === 0 ? { company: `Company ${n}` } : {}),
          name: `Customer ${n}`,
          email: BAD.has(i) ? `broken-${n}` : `customer${n}@example.com`,
          phone: `+7916${String(n).padStart(7, '0')}`,
          attributes: { n },
        })}\n`;
      }
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/v1/customers/import',
          headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-ndjson' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      pipeline(Readable.from(lines()), req).catch(reject);
    });
  }

  it('imports every row across the 1,000-row batch boundaries, with exact line numbers', async () => {
    const key = await t.keyFor('integration');
    const res = await upload(key, 0);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      format: 'ndjson',
      rows: ROWS,
      inserted: ROWS - 3,
      updated: 0,
      failed: 3,
    });
    expect(res.body.errors).toEqual(
      [...BAD].map((line) => ({ line, field: 'email', message: 'email must be an email' })),
    );
    const [{ n, distinct, attrs }] = await t.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS distinct,
              count(*) FILTER (WHERE (attributes->>'n')::int = substring(external_id from 5)::int)::int AS attrs
       FROM customers`,
    );
    expect({ n, distinct, attrs }).toEqual({ n: ROWS - 3, distinct: ROWS - 3, attrs: ROWS - 3 });
    const missing = await t.db.query(
      `SELECT external_id FROM customers WHERE external_id IN ('big-1000', 'big-1001', 'big-4999')`,
    );
    expect(missing).toEqual([]);
    const [edge] = await t.db.query(
      `SELECT phone, email FROM customers WHERE external_id = 'big-999'`,
    );
    expect(edge).toEqual({ phone: '+79160000999', email: 'customer999@example.com' });
  });

  it('updates the same rows on a second pass', async () => {
    const key = await t.keyFor('integration');
    const res = await upload(key, 2500);
    // Rows big-2501 … big-7500; bad this time: big-3500, big-3501, big-7499. Of the good ones,
    // big-2501 … big-5000 exist (bar big-4999, refused the first time) and are updated.
    expect(res.body).toMatchObject({
      rows: ROWS,
      failed: 3,
      updated: 2500 - 2 - 1,
      inserted: 2500 - 1 + 1,
    });
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM customers');
    expect(n).toBe(ROWS - 3 + 2500);
  });
});
