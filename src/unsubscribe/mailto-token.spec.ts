import { mailboxTag, unsubscribeTokenCandidates } from './mailto-token';

const TOKEN = 'AbC_12.eyJwIjoidSJ9-_x.' + 'S'.repeat(43);

describe('mailto unsubscribe tokens', () => {
  it.each([
    ['unsubscribe@shop.example', { match: true, tag: null }],
    ['UNSUBSCRIBE@Shop.Example', { match: true, tag: null }],
    [`unsubscribe+${TOKEN}@shop.example`, { match: true, tag: TOKEN }],
    ['unsubscribe@shop.example.evil', { match: false, tag: null }],
    ['xunsubscribe@shop.example', { match: false, tag: null }],
    ['news@shop.example', { match: false, tag: null }],
    ['no-at-sign', { match: false, tag: null }],
  ])('%s against unsubscribe@shop.example', (address, expected) => {
    expect(mailboxTag(address, 'unsubscribe@shop.example')).toEqual(expected);
  });

  it('finds the token in the subject (as advertised, behind Re:), the body and the address tag', () => {
    const none = { subject: null, text: null, addressTags: [] };
    expect(unsubscribeTokenCandidates({ ...none, subject: `unsubscribe-${TOKEN}` })).toEqual([
      TOKEN,
    ]);
    expect(
      unsubscribeTokenCandidates({ ...none, subject: `Re: Fwd: unsubscribe-${TOKEN}` }),
    ).toEqual([TOKEN]);
    expect(
      unsubscribeTokenCandidates({ ...none, text: `Please.\n\nunsubscribe-${TOKEN}\n` }),
    ).toEqual([TOKEN]);
    expect(unsubscribeTokenCandidates({ ...none, addressTags: [TOKEN] })).toEqual([TOKEN]);
    expect(
      unsubscribeTokenCandidates({
        subject: `unsubscribe-${TOKEN}`,
        text: null,
        addressTags: [TOKEN],
      }),
    ).toEqual([TOKEN]);
  });

  it('ignores what is not a whole token', () => {
    const none = { subject: null, text: null, addressTags: [] };
    for (const subject of [
      'unsubscribe',
      `unsubscribe-${TOKEN}.more`,
      `xunsubscribe-${TOKEN}`,
      `unsubscribe-${TOKEN}\0`,
      `unsubscribe-${'A'.repeat(100_000)}.b.${'c'.repeat(43)}`,
      'unsubscribe-a.b.c',
    ])
      expect(unsubscribeTokenCandidates({ ...none, subject })).toEqual([]);
    expect(unsubscribeTokenCandidates({ ...none, addressTags: ['hello'] })).toEqual([]);
  });

  it('stays fast and bounded on a huge body of near-tokens', () => {
    const text =
      `unsubscribe-${TOKEN}x `.repeat(20_000) + `unsubscribe-a.b.${'c'.repeat(20)} `.repeat(20_000);
    const started = Date.now();
    const found = unsubscribeTokenCandidates({ subject: null, text, addressTags: [] });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(found.length).toBeLessThanOrEqual(5);
  });
});
