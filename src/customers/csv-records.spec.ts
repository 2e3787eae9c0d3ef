import { Readable } from 'node:stream';
import { csvRecords, splitCsvRecord } from './csv-records';

const collect = async (chunks: string[]) => {
  const out = [];
  for await (const r of csvRecords(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(r);
  return out;
};

describe('splitCsvRecord', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    [' a , b ,', ['a', 'b', '']],
    ['"x, y","say ""hi""",z', ['x, y', 'say "hi"', 'z']],
    ['"multi\nline", "quoted" ', ['multi\nline', 'quoted']],
    ['', ['']],
  ])('%p', (text, fields) => expect(splitCsvRecord(text)).toEqual(fields));

  it.each([
    ['a,"Bro"ken,c', /column 2: unexpected "k" after a closing quote/],
    ['a,b"c', /column 2: a quote inside an unquoted field/],
    ['a,"open', /never closed/],
  ])('refuses %p', (text, message) => expect(splitCsvRecord(text)).toMatch(message));
});

describe('csvRecords', () => {
  it('numbers records by their first line across chunks, skipping blank lines and a BOM', async () => {
    const records = await collect(['\uFEFFh1,h2\r\n', 'a,"multi\r\nli', 'ne"\r\n\r\n', 'b,c']);
    expect(records).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['a', 'multi\r\nline'] },
      { line: 5, fields: ['b', 'c'] },
    ]);
  });

  it('keeps reading after a record with broken quoting', async () => {
    const records = await collect(['h\n"Bro"ken\nok\n"never closed\nmore\n']);
    expect(records).toEqual([
      { line: 1, fields: ['h'] },
      { line: 2, error: expect.stringMatching(/after a closing quote/) },
      { line: 3, fields: ['ok'] },
      { line: 4, error: expect.stringMatching(/never closed/) },
    ]);
  });

  it('splits a multi-byte character across chunks correctly', async () => {
    const bytes = Buffer.from('name\nКазань\n');
    const out = [];
    for await (const r of csvRecords(Readable.from([bytes.subarray(0, 7), bytes.subarray(7)])))
      out.push(r);
    expect(out).toEqual([
      { line: 1, fields: ['name'] },
      { line: 2, fields: ['Казань'] },
    ]);
  });
});
