import { deliverabilityWarnings } from './deliverability-warnings';

describe('start-up warnings about one-click unsubscribe', () => {
  const dkim = { domainName: 'shop.example', keySelector: 's1', privateKey: 'k' };

  it('warns when PUBLIC_URL is http on a host that is not local', () => {
    expect(deliverabilityWarnings({ publicUrl: 'http://shop.example' })).toEqual([
      expect.stringMatching(/^PUBLIC_URL is http on shop\.example: /),
    ]);
    for (const local of [
      'http://localhost:3000',
      'http://127.0.0.1:8080',
      'http://[::1]:3000',
      'http://app.localhost',
      'https://shop.example',
    ])
      expect(deliverabilityWarnings({ publicUrl: local })).toEqual([]);
  });

  it('warns when SMTP is set without DKIM, not with it or without SMTP', () => {
    const base = { publicUrl: 'https://shop.example' };
    expect(deliverabilityWarnings({ ...base, smtpUrl: 'smtp://mx:25' })).toEqual([
      expect.stringMatching(/^SMTP_URL is set without DKIM/),
    ]);
    expect(deliverabilityWarnings({ ...base, smtpUrl: 'smtp://mx:25', dkim })).toEqual([]);
    expect(deliverabilityWarnings(base)).toEqual([]);
  });
});
