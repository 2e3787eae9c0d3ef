import { isNoReplyAddress, noReplyWarning, repliesReachSomeone } from './reply-address';

describe('isNoReplyAddress', () => {
  it.each([
    'no-reply@shop.example',
    'Shop <noreply@shop.example>',
    'DoNotReply@shop.example',
    'Shop <do-not-reply@shop.example>',
    'no_reply@shop.example',
  ])('%s is a no-reply address', (a) => expect(isNoReplyAddress(a)).toBe(true));

  it.each([
    'news@shop.example',
    'Shop <support@shop.example>',
    'reply@shop.example',
    'anno-reply@x.example',
  ])('%s is read by someone', (a) => expect(isNoReplyAddress(a)).toBe(false));
});

describe('repliesReachSomeone', () => {
  const noReply = 'Shop <no-reply@shop.example>';
  it('a no-reply sender with no Reply-To reaches no one', () => {
    expect(repliesReachSomeone({ mailFrom: noReply })).toBe(false);
    expect(repliesReachSomeone({ mailFrom: noReply, replyTo: null, campaignReplyTo: null })).toBe(
      false,
    );
  });
  it('REPLY_TO, the campaign address or a real sender each reach someone', () => {
    expect(repliesReachSomeone({ mailFrom: noReply, replyTo: 'support@shop.example' })).toBe(true);
    expect(repliesReachSomeone({ mailFrom: noReply, campaignReplyTo: 'team@shop.example' })).toBe(
      true,
    );
    expect(repliesReachSomeone({ mailFrom: 'news@shop.example' })).toBe(true);
  });
});

describe('noReplyWarning', () => {
  it('one line when MAIL_FROM is no-reply and REPLY_TO unset, else none', () => {
    expect(noReplyWarning({ mailFrom: 'Tactful <no-reply@localhost>' })).toMatch(/REPLY_TO/);
    expect(
      noReplyWarning({ mailFrom: 'no-reply@shop.example', replyTo: 'support@shop.example' }),
    ).toBeNull();
    expect(noReplyWarning({ mailFrom: 'news@shop.example' })).toBeNull();
  });
});
