import { ownEntries, sameAddress } from './report-recipient';

describe('report recipients', () => {
  it.each([
    ['anna@mail.example', 'anna@mail.example'],
    ['Anna@MAIL.Example', 'anna@mail.example'],
    ['<anna@mail.example>', 'anna@mail.example'],
    ['  anna@mail.example ', 'anna@mail.example'],
    ['anna+2Btag@mail.example', 'anna+tag@mail.example'],
    ['anna+tag@mail.example', 'anna+tag@mail.example'],
    ['иван@почта.рф', 'ИВАН@почта.рф'],
  ])('%s is %s', (reported, own) => {
    expect(sameAddress(reported, own)).toBe(true);
  });

  it.each([
    ['boris@mail.example', 'anna@mail.example'],
    ['anna@mail.example.evil', 'anna@mail.example'],
    ['anna@mail.example\0', 'anna@mail.example'],
    ['nna@mail.example', 'anna@mail.example'],
    ['', 'anna@mail.example'],
    ['anna@mail.example', ''],
  ])('%s is not %s', (reported, own) => {
    expect(sameAddress(reported, own)).toBe(false);
  });

  it('keeps the own and anonymous entries; a report naming only others is foreign', () => {
    const own = 'anna@mail.example';
    const a = { recipient: 'ANNA@mail.example', status: '5.1.1' };
    const b = { recipient: 'boris@mail.example', status: '5.1.1' };
    const n = { recipient: null, status: '4.2.2' };
    expect(ownEntries([b, a], own)).toEqual({ entries: [a], foreign: false });
    expect(ownEntries([n], own)).toEqual({ entries: [n], foreign: false });
    expect(ownEntries([b], own)).toEqual({ entries: [], foreign: true });
    // An erased customer or one without an e-mail: no named address can be confirmed.
    expect(ownEntries([a], null)).toEqual({ entries: [], foreign: true });
    expect(ownEntries([], own)).toEqual({ entries: [], foreign: false });
    // 100 third parties and the own address in one report: only the own one is kept.
    const many = Array.from({ length: 100 }, (_, i) => ({
      recipient: `x${i}@mail.example`,
      status: '5.1.1',
    }));
    expect(ownEntries([...many, a], own).entries).toEqual([a]);
  });
});
