import { plainArray, textArray } from './pg-array';

describe('array literals', () => {
  it('writes uuids, numbers, booleans and nulls unquoted', () => {
    expect(plainArray(['0b5f7a52-0000-4000-8000-000000000001', null])).toBe(
      '{0b5f7a52-0000-4000-8000-000000000001,NULL}',
    );
    expect(plainArray([1, 2.5, -3, true, false])).toBe('{1,2.5,-3,true,false}');
    expect(plainArray([])).toBe('{}');
  });

  it('quotes every text element and escapes quotes and backslashes', () => {
    expect(textArray(['a', null, 'NULL', '', 'x,y', '{}', ' sp '])).toBe(
      '{"a",NULL,"NULL","","x,y","{}"," sp "}',
    );
    expect(textArray(['say "hi"', 'back\\slash', '{"step":0}'])).toBe(
      '{"say \\"hi\\"","back\\\\slash","{\\"step\\":0}"}',
    );
  });
});
