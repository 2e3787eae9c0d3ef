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

  const collectLimited = async (chunks: Buffer[], max: number) => {
    const out = [];
    for await (const r of csvRecords(Readable.from(chunks), max)) out.push(r);
    return out;
  };

  it('cuts a record longer than the limit (an open quote over many lines) and reads again from the next line', async () => {
    const records = await collectLimited(
      [
        Buffer.from(`h,v
q,"${'a\n'.repeat(20)}x,y\n`),
      ],
      16,
    );
    expect(records[0]).toEqual({ line: 1, fields: ['h', 'v'] });
    // "q,"a" (4 bytes) and 7 more lines of "\na" reach 18 bytes on line 9.
    expect(records[1]).toEqual({
      line: 2,
      error:
        'the record starting on line 2 is longer than 16 bytes (a quote never closed?); lines 2-9 were skipped',
    });
    expect(records.slice(2, 4)).toEqual([
      { line: 10, fields: ['a'] },
      { line: 11, fields: ['a'] },
    ]);
    expect(records[records.length - 1]).toEqual({ line: 22, fields: ['x', 'y'] });
  });

  it('refuses one physical line longer than the limit by its number, without keeping it', async () => {
    const records = await collectLimited(
      [Buffer.from('h\n'), Buffer.alloc(100, 'z'), Buffer.from('\nok\n')],
      16,
    );
    expect(records).toEqual([
      { line: 1, fields: ['h'] },
      { line: 2, error: 'line 2 is longer than 16 bytes' },
      { line: 3, fields: ['ok'] },
    ]);
  });

  it('marks a record whose bytes are not UTF-8', async () => {
    const records = await collectLimited(
      [Buffer.from('h,v\na,'), Buffer.from([0xff]), Buffer.from('\nb,c\n')],
      1024,
    );
    expect(records).toEqual([
      { line: 1, fields: ['h', 'v'] },
      { line: 2, fields: ['a', '\uFFFD'], badUtf8: true },
      { line: 3, fields: ['b', 'c'] },
    ]);
  });
});
