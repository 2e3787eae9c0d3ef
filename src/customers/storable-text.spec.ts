import { decodeUtf8, unstorableText } from './storable-text';

describe('unstorableText', () => {
  it('accepts ordinary text, emoji (a valid surrogate pair) and U+FFFD typed on purpose', () => {
    expect(
      unstorableText({ name: 'Анна 😀', attributes: { tags: ['a', 'b'], note: '\uFFFD' } }),
    ).toBeUndefined();
  });

  it.each([
    [{ name: 'a\u0000' }, 'name', 'name must not contain NUL characters'],
    [
      { attributes: { a: { b: ['x', 'y\u0000'] } } },
      'attributes.a.b.1',
      'attributes.a.b.1 must not contain NUL characters',
    ],
    [
      { attributes: { 'k\u0000': 1 } },
      'attributes',
      'attributes must not contain NUL characters in a key',
    ],
    [{ name: 'x\uD83D' }, 'name', 'name must be valid Unicode text (a lone surrogate)'],
    [{ name: '\uDE00x' }, 'name', 'name must be valid Unicode text (a lone surrogate)'],
    ['\u0000', 'row', 'row must not contain NUL characters'],
  ])('finds %j', (value, field, message) => {
    expect(unstorableText(value)).toEqual({ field, message });
  });

  it('reports the first field of the row first', () => {
    expect(unstorableText({ a: 'x\u0000', b: 'y\u0000' })?.field).toBe('a');
  });

  it('names the field holding U+FFFD only for a line whose bytes were not UTF-8', () => {
    expect(unstorableText({ a: 'ok', b: 'x\uFFFD' }, true)).toEqual({
      field: 'b',
      message: 'b must be valid UTF-8 text',
    });
  });

  it('walks a value nested 100,000 deep without overflowing the stack', () => {
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableText({ attributes: { deep } })?.message).toMatch(/NUL/);
  });
});

describe('decodeUtf8', () => {
  it('tells valid UTF-8 from bytes that are not (overlong, lone byte, encoded surrogate)', () => {
    expect(decodeUtf8(Buffer.from('Казань 😀'))).toEqual({ text: 'Казань 😀', valid: true });
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      expect(decodeUtf8(Buffer.from(bad)).valid).toBe(false);
    }
  });
});
