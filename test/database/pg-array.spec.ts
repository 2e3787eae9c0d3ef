import { plainArray, textArray } from '../../src/database/pg-array';
import { createTestApp, TestApp } from '../support/test-app';

describe('array literals read back by PostgreSQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('keeps every text element as written, quotes, backslashes, commas, braces and "NULL" included', async () => {
    const values = [
      'plain',
      'say "hi"',
      'back\\slash',
      'a,b',
      '{x}',
      'NULL',
      '',
      ' pad ',
      null,
      'ünï',
    ];
    const [row] = await t.db.query(`SELECT $1::text[] AS v`, [textArray(values)]);
    expect(row.v).toEqual(values);
  });

  it('reads uuids, numbers, booleans and nulls', async () => {
    const id = '0b5f7a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const [row] = await t.db.query(
      `SELECT $1::uuid[] AS ids, $2::float8[] AS n, $3::boolean[] AS b, $4::bigint[] AS big`,
      [
        plainArray([id, null]),
        plainArray([1.5, 1772532000123]),
        plainArray([true, false]),
        plainArray(['9007199254740993', null]),
      ],
    );
    expect(row.ids).toEqual([id, null]);
    expect(row.n).toEqual([1.5, 1772532000123]);
    expect(row.b).toEqual([true, false]);
    expect(row.big).toEqual(['9007199254740993', null]);
  });
});
