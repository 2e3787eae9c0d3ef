import { csvCell, csvLine } from './csv';

describe('csvCell', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+7 916', "'+7 916"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', '"\'\rx"'],
    ['=HYPERLINK("a","b")', `"'=HYPERLINK(""a"",""b"")"`],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
    [' padded ', '" padded "'],
    ['plain', 'plain'],
    ['{"a":1}', '"{""a"":1}"'],
  ])('%j → %j', (input, output) => {
    expect(csvCell(input)).toBe(output);
  });

  it('writes empty cells for null and ends lines with CRLF', () => {
    expect(csvLine(['1', null, ''])).toBe('1,,\r\n');
  });
});
