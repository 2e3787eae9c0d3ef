import { createTestApp, TestApp } from '../support/test-app';

/**
 * Text PostgreSQL refuses (NUL in text or jsonb, lone surrogates in jsonb) or would silently change
 * (invalid UTF-8, lone surrogates in text become U+FFFD): each is a row error naming line and field,
 * and the good rows of the same batch are imported.
 */
describe('import: text the database cannot store is a row error', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.keyFor('integration');
  });
  afterAll(() => t.close());

  const send = (type: string, body: Buffer | string) =>
    t.as(key).post('/v1/customers/import').set('Content-Type', type).send(Buffer.from(body));
  const ids = async (prefix: string) =>
    (
      await t.db.query(
        `SELECT external_id FROM customers WHERE external_id LIKE $1 ORDER BY external_id`,
        [`${prefix}%`],
      )
    ).map((r: { external_id: string }) => r.external_id);

  it('NDJSON: NUL, lone surrogates and invalid UTF-8 in any field, keys included', async () => {
    const body = Buffer.concat([
      Buffer.from(
        [
          '{"externalId":"n-1","kind":"consumer","name":"Good"}',
          '{"externalId":"n-2","kind":"consumer","name":"a\\u0000b"}',
          '{"externalId":"n-3","kind":"consumer","attributes":{"city":"x\\u0000"}}',
          '{"externalId":"n-4","kind":"consumer","attributes":{"k\\u0000":1}}',
          '{"externalId":"n-5","kind":"consumer","name":"\\ud800"}',
          '{"externalId":"n-6","kind":"consumer","attributes":{"deep":[{"v":"\\udc00x"}]}}',
          '{"externalId":"n-7\\u0000","kind":"consumer"}',
          '{"externalId":"n-8","kind":"business","company":"Co","accountManager":{"name":"M\\u0000","phone":"+79161234567"}}',
        ].join('\n') + '\n',
      ),
      Buffer.from('{"externalId":"n-9","kind":"consumer","name":"bad '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n'),
      Buffer.from('{"externalId":"n-10","kind":"consumer","name":"\u0000raw"}\n'),
      Buffer.from('{"externalId":"n-11","kind":"consumer","name":"Also good"}\n'),
    ]);
    const res = await send('application/x-ndjson', body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 11, inserted: 2, updated: 0, failed: 9 });
    expect(res.body.errors).toEqual([
      { line: 2, field: 'name', message: 'name must not contain NUL characters' },
      {
        line: 3,
        field: 'attributes.city',
        message: 'attributes.city must not contain NUL characters',
      },
      {
        line: 4,
        field: 'attributes',
        message: 'attributes must not contain NUL characters in a key',
      },
      { line: 5, field: 'name', message: 'name must be valid Unicode text (a lone surrogate)' },
      {
        line: 6,
        field: 'attributes.deep.0.v',
        message: 'attributes.deep.0.v must be valid Unicode text (a lone surrogate)',
      },
      { line: 7, field: 'externalId', message: 'externalId must not contain NUL characters' },
      {
        line: 8,
        field: 'accountManager.name',
        message: 'accountManager.name must not contain NUL characters',
      },
      { line: 9, field: 'name', message: 'name must be valid UTF-8 text' },
      // A raw control character is not JSON at all.
      { line: 10, field: 'row', message: 'line is not valid JSON' },
    ]);
    expect(await ids('n-')).toEqual(['n-1', 'n-11']);
  });

  it('CSV: a raw NUL byte, invalid UTF-8 and \\u0000 inside the attributes JSON column', async () => {
    const body = Buffer.concat([
      Buffer.from('externalId,kind,name,attributes\n'),
      Buffer.from('c-1,consumer,Good,\n'),
      Buffer.from('c-2,consumer,a\u0000b,\n'),
      Buffer.from('c-3,consumer,"bad '),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('",\n'),
      Buffer.from('c-4,consumer,Fine,"{""k"":""v\\u0000""}"\n'),
      Buffer.from('c-5,consumer,Fine,"{""k"":""\\udfff""}"\n'),
      Buffer.from('c-6,consumer,Also good,"{""k"":""v""}"\n'),
    ]);
    const res = await send('text/csv', body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 6, inserted: 2, failed: 4 });
    expect(res.body.errors).toEqual([
      { line: 3, field: 'name', message: 'name must not contain NUL characters' },
      { line: 4, field: 'name', message: 'name must be valid UTF-8 text' },
      { line: 5, field: 'attributes.k', message: 'attributes.k must not contain NUL characters' },
      {
        line: 6,
        field: 'attributes.k',
        message: 'attributes.k must be valid Unicode text (a lone surrogate)',
      },
    ]);
    expect(await ids('c-')).toEqual(['c-1', 'c-6']);
  });

  it('a batch of 2,500 rows with NUL bytes scattered through it keeps every good row', async () => {
    const lines: string[] = [];
    const bad = new Set<number>();
    for (let i = 1; i <= 2500; i++) {
      const nul = i % 97 === 0;
      if (nul) bad.add(i);
      lines.push(
        JSON.stringify({
          externalId: `b-${i}`,
          kind: 'consumer',
          name: nul ? `x\u0000${i}` : `n${i}`,
        }),
      );
    }
    const res = await send('application/x-ndjson', lines.join('\n'));
    expect(res.body).toMatchObject({ rows: 2500, inserted: 2500 - bad.size, failed: bad.size });
    expect((res.body.errors as { line: number }[]).map((e) => e.line)).toEqual([...bad]);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM customers WHERE external_id LIKE 'b-%'`,
    );
    expect(n).toBe(2500 - bad.size);
  });

  it.each([5000, 100_000])(
    'a row nested %i deep is a row error, the rows around it are imported',
    async (depth) => {
      const body = [
        `{"externalId":"d-${depth}-1","kind":"consumer"}`,
        `{"externalId":"d-${depth}-2","kind":"consumer","attributes":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
        `{"externalId":"d-${depth}-3","kind":"consumer"}`,
      ].join('\n');
      const res = await send('application/x-ndjson', body);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'completed', rows: 3, inserted: 2, failed: 1 });
      expect(res.body.errors).toEqual([
        {
          line: 2,
          field: 'row',
          message: expect.stringMatching(/nested too deeply|SQLSTATE 54001/),
        },
      ]);
      expect(await ids(`d-${depth}-`)).toEqual([`d-${depth}-1`, `d-${depth}-3`]);
    },
  );
});
