import fc from 'fast-check';
import { LineSplitter, type SplitLine } from './line-splitter';

const feed = (s: LineSplitter, chunks: Buffer[]): SplitLine[] => [
  ...chunks.flatMap((c) => s.push(c)),
  ...s.end(),
];
const texts = (lines: SplitLine[]) =>
  lines.map((l) => ('tooLong' in l ? `#${l.line} too long` : `${l.line}:${l.bytes.toString()}`));
const chunked = (b: Buffer, size: number) => {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
};

describe('LineSplitter', () => {
  it('cuts lines across chunk boundaries, keeps \\r and empty lines, numbers them from 1', () => {
    const s = new LineSplitter(100);
    expect(
      texts(feed(s, [Buffer.from('ab'), Buffer.from('c\r\n\nd'), Buffer.from('e\nf')])),
    ).toEqual(['1:abc\r', '2:', '3:de', '4:f']);
  });

  it('reads a last line without a line end, and nothing after a final line end', () => {
    expect(texts(feed(new LineSplitter(10), [Buffer.from('a\nb')]))).toEqual(['1:a', '2:b']);
    expect(texts(feed(new LineSplitter(10), [Buffer.from('a\n')]))).toEqual(['1:a']);
    expect(texts(feed(new LineSplitter(10), []))).toEqual([]);
  });

  it('reports a line over the limit once, with its number, and goes on with the next line', () => {
    const s = new LineSplitter(10);
    const body = Buffer.from(`ok\n${'x'.repeat(25)}\nafter\n${'y'.repeat(11)}`);
    expect(texts(feed(s, chunked(body, 4)))).toEqual([
      '1:ok',
      '#2 too long',
      '3:after',
      '#4 too long',
    ]);
    // Exactly the limit is allowed.
    expect(texts(feed(new LineSplitter(10), [Buffer.from(`${'z'.repeat(10)}\n`)]))).toEqual([
      `1:${'z'.repeat(10)}`,
    ]);
  });

  it('scans each byte once: a 20 MB line costs 20 MB of scanning, whatever the chunk size', () => {
    const line = Buffer.alloc(20 * 1024 * 1024, 'x');
    for (const size of [1024, 65536]) {
      const s = new LineSplitter(1024 * 1024);
      const out = feed(s, [...chunked(line, size), Buffer.from('\nnext\n')]);
      expect(texts(out)).toEqual(['#1 too long', '2:next']);
      expect(s.scanned).toBe(line.length + 6);
    }
  });

  it('scans each byte once for a line under the limit split into 10,000 chunks (no re-scan of the pending line)', () => {
    const s = new LineSplitter(1024 * 1024);
    const line = Buffer.alloc(1000 * 1000, 'a');
    const out = feed(s, [...chunked(line, 100), Buffer.from('\n')]);
    expect(out).toHaveLength(1);
    expect((out[0] as { bytes: Buffer }).bytes.equals(line)).toBe(true);
    expect(s.scanned).toBe(line.length + 1);
  });

  it('scanning grows linearly with the input: 10× the bytes, 10× the scan', () => {
    const scan = (n: number) => {
      const s = new LineSplitter(1 << 30);
      feed(s, chunked(Buffer.alloc(n, 'q'), 4096));
      return s.scanned;
    };
    expect(scan(1_000_000) / scan(100_000)).toBe(10);
  });

  it('gives the same lines as splitting the whole text, however the input is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', '\n', '\r', 'é'), { maxLength: 200 }),
        fc.integer({ min: 1, max: 17 }),
        (chars, size) => {
          const text = chars.join('');
          const s = new LineSplitter(1 << 20);
          const got = feed(s, chunked(Buffer.from(text), size)).map((l) =>
            'tooLong' in l ? '#' : l.bytes.toString(),
          );
          const want = text.split('\n');
          if (want[want.length - 1] === '') want.pop();
          expect(got).toEqual(want);
        },
      ),
    );
  });
});
