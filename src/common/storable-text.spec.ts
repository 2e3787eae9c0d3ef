import { jsonNestsDeeperThan } from './body-parsers';
import { unstorableTextProblems } from './storable-text';

describe('jsonNestsDeeperThan', () => {
  const deeper = (s: string, limit = 3) => jsonNestsDeeperThan(Buffer.from(s), limit);

  it('counts arrays and objects, not brackets inside strings or after escapes', () => {
    expect(deeper('[[[1]]]')).toBe(false);
    expect(deeper('[[[[1]]]]')).toBe(true);
    expect(deeper('{"a":{"b":{"c":{}}}}')).toBe(true);
    expect(deeper('{"a":"[[[[[[[[{{{{"}')).toBe(false);
    expect(deeper('{"a":"\\"[[[[[[["}')).toBe(false);
    expect(deeper('{"a\\\\":[[[[1]]]]}')).toBe(true); // the key ends at the quote after \\
    expect(deeper('[1],[2],[3],[4],[5]', 1)).toBe(false); // depth, not count
    expect(deeper('"ünï[[[[[cödé"')).toBe(false);
  });

  it('scans 10 MB of nesting in well under a second', () => {
    const buf = Buffer.from('['.repeat(10_000_000));
    const t0 = Date.now();
    expect(jsonNestsDeeperThan(buf, 32)).toBe(true);
    expect(jsonNestsDeeperThan(Buffer.from('"' + '['.repeat(10_000_000) + '"'), 32)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});

describe('unstorableTextProblems', () => {
  it('names every field, key and array item that holds NUL or an unpaired surrogate', () => {
    expect(
      unstorableTextProblems({
        ok: 'fine 🌷',
        name: 'a\u0000',
        nested: { list: ['x', '\udfff'], ['k\u0000']: 1 },
      }),
    ).toEqual([
      'name must not contain NUL characters',
      'nested.k\\u0000 (a key) must not contain NUL characters',
      'nested.list[1] must not contain unpaired surrogates',
    ]);
    expect(unstorableTextProblems('\u0000')).toEqual([
      'request body must not contain NUL characters',
    ]);
    expect(unstorableTextProblems({ a: 1, b: [true, null, 'ok'] })).toEqual([]);
  });

  it('stops at ten problems and at depth 64 without recursion', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, '\u0000']));
    expect(unstorableTextProblems(many)).toHaveLength(10);
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableTextProblems(deep)).toEqual([expect.stringMatching(/is nested too deeply$/)]);
  });
});

describe('unstorableTextProblems on a clean body', () => {
  // A batch of 1,000 events as POST /v1/events receives it.
  const body = JSON.stringify(
    Array.from({ length: 1000 }, (_, i) => ({
      type: 'purchase',
      customerId: '0b0f4c3e-6f1a-4c1e-9d3a-5c8e2f7a9b10',
      eventId: `order-${i}`,
      occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      amount: i,
      currency: 'RUB',
      data: { orderId: `A-${i}`, channel: 'web' },
    })),
  );
  // The quick walk (no field names built) is a speed matter, measured by bench:events, not here.
  it('passes a clean batch of 1,000 events and names the one bad field of a spoilt one', () => {
    const clean: unknown = JSON.parse(body);
    const spoilt = JSON.parse(body) as { type: string }[];
    spoilt[0].type = 'purchase\u0000'; // the walk's last string
    expect(unstorableTextProblems(clean)).toEqual([]);
    expect(unstorableTextProblems(spoilt)).toEqual(['[0].type must not contain NUL characters']);
  });
});
