import { createHash } from 'node:crypto';
import {
  decodeIds,
  encodeIds,
  locateProblem,
  sealHash,
  SHORT_DIGEST,
  shortDigests,
} from './audit-chain';

const digest = (s: string) => createHash('sha256').update(s).digest();

describe('audit chain helpers', () => {
  it('round-trips ids with gaps as varint deltas, ~1 byte a row', () => {
    const ids = [5n, 6n, 7n, 200n, 201n, 100_000n, 9_007_199_254_740_993n];
    const enc = encodeIds(ids, ids[0]);
    expect(decodeIds(enc, ids[0])).toEqual(ids);
    const dense = Array.from({ length: 1000 }, (_, i) => BigInt(i + 1));
    expect(encodeIds(dense, 1n).length).toBe(1000);
  });

  it('chains: the hash changes with the previous hash, the range and any row digest', () => {
    const rows = Buffer.concat([digest('a'), digest('b')]);
    const meta = { seq: '1', firstId: '1', lastId: '2', rowCount: 2, prevHash: '0'.repeat(64) };
    const h = sealHash(meta, rows);
    expect(sealHash({ ...meta, prevHash: 'f'.repeat(64) }, rows)).not.toBe(h);
    expect(sealHash({ ...meta, lastId: '3' }, rows)).not.toBe(h);
    expect(sealHash(meta, Buffer.concat([digest('a'), digest('c')]))).not.toBe(h);
    expect(shortDigests(rows)).toEqual(
      Buffer.concat([digest('a').subarray(0, SHORT_DIGEST), digest('b').subarray(0, SHORT_DIGEST)]),
    );
  });

  it('locates the lowest altered, removed or added row', () => {
    const ids = [1n, 2n, 3n, 4n];
    const short = ids.map((i) => digest(String(i)).subarray(0, SHORT_DIGEST));
    const current = ids.map((id, i) => ({ id, short: short[i] }));
    const expected = Buffer.concat(short);
    expect(locateProblem(ids, expected, current)).toEqual({ rowId: null, problem: 'seal altered' });
    expect(
      locateProblem(
        ids,
        expected,
        current.filter((r) => r.id !== 3n),
      ),
    ).toEqual({ rowId: '3', problem: 'row removed' });
    const altered = current.map((r) =>
      r.id === 2n ? { ...r, short: digest('x').subarray(0, SHORT_DIGEST) } : r,
    );
    expect(locateProblem(ids, expected, altered)).toEqual({ rowId: '2', problem: 'row altered' });
    expect(locateProblem(ids, expected, [...current, { id: 5n, short: short[0] }])).toEqual({
      rowId: '5',
      problem: 'row added',
    });
  });
});
