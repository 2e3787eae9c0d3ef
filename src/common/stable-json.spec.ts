import { stableJson } from './stable-json';

describe('stableJson', () => {
  it('gives the same text whatever the key order, at every depth', () => {
    expect(stableJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } })).toBe(
      stableJson({ a: { c: null, d: [{ x: 2, y: 1 }] }, b: 1 }),
    );
    expect(stableJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('keeps array order and tells different values apart', () => {
    expect(stableJson([1, 2])).not.toBe(stableJson([2, 1]));
    expect(stableJson({ a: 1 })).not.toBe(stableJson({ a: '1' }));
    expect(stableJson({ a: 'x\u0000' })).not.toBe(stableJson({ a: 'x' }));
  });
});
