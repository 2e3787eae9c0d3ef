import fc from 'fast-check';
import { SeenIds } from './seen-ids';

describe('SeenIds', () => {
  it('answers like a Map of first lines, whatever the ids', () => {
    const id = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 6 }), // lone surrogates included
      fc.constantFrom('a\uD800', 'a\uD801', 'a\uFFFD', 'é', 'e\u0301'),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 300 }), (ids) => {
        const seen = new SeenIds();
        const map = new Map<string, number>();
        const expected = ids.map((value, i) => {
          const first = map.get(value);
          if (first === undefined) map.set(value, i + 1);
          return first;
        });
        expect(ids.map((value, i) => seen.firstLine(value, i + 1))).toEqual(expected);
        expect(seen.size).toBe(map.size);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every id through its growth (200,000 ids, long ones included)', () => {
    const seen = new SeenIds();
    const long = 'я'.repeat(200);
    let repeats = 0;
    for (let i = 0; i < 200_000; i++) {
      if (seen.firstLine(i % 1000 === 0 ? `${long}${i}` : `crm-${i}`, i + 1) !== undefined)
        repeats++;
    }
    expect(repeats).toBe(0);
    expect(seen.size).toBe(200_000);
    expect(seen.firstLine('crm-1', 5)).toBe(2);
    expect(seen.firstLine(`${long}199000`, 5)).toBe(199_001);
    expect(seen.firstLine('crm-199999', 5)).toBe(200_000);
    expect(seen.firstLine('crm-200000', 5)).toBeUndefined();
  });
});
