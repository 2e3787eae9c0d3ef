import { routeInbound } from './inbound-route';

const MAILBOX = 'unsubscribe@shop.example';
const facts = (f: Partial<Parameters<typeof routeInbound>[0]>) => ({
  reportType: null,
  partTypes: [],
  recipients: [],
  ...f,
});

describe('inbound mail routing', () => {
  it('sends DSNs and ARF reports to the provider feedback, wherever addressed', () => {
    expect(routeInbound(facts({ reportType: 'delivery-status' }), MAILBOX)).toEqual({
      route: 'report',
    });
    expect(
      routeInbound(facts({ reportType: 'feedback-report', recipients: [MAILBOX] }), MAILBOX),
    ).toEqual({
      route: 'report',
    });
    expect(
      routeInbound(facts({ partTypes: ['text/plain', 'message/feedback-report'] }), MAILBOX),
    ).toEqual({
      route: 'report',
    });
    expect(routeInbound(facts({ reportType: 'disposition-notification' }), MAILBOX)).toEqual({
      route: 'none',
    });
  });

  it('sends mail to the unsubscribe mailbox (or its +tag form) to the mailto unsubscribe', () => {
    expect(
      routeInbound(facts({ recipients: ['other@x.example', 'Unsubscribe@SHOP.example'] }), MAILBOX),
    ).toEqual({
      route: 'unsubscribe',
      addressTags: [],
    });
    expect(
      routeInbound(
        facts({
          recipients: [
            'unsubscribe+Tok.En.Sig@shop.example',
            'unsubscribe+Tok.En.Sig@shop.example',
          ],
        }),
        MAILBOX,
      ),
    ).toEqual({ route: 'unsubscribe', addressTags: ['Tok.En.Sig'] });
  });

  it('leaves everything else alone', () => {
    expect(routeInbound(facts({ recipients: ['news@shop.example'] }), MAILBOX)).toEqual({
      route: 'none',
    });
    expect(routeInbound(facts({ recipients: ['unsubscribe@shop.example.evil'] }), MAILBOX)).toEqual(
      {
        route: 'none',
      },
    );
    expect(routeInbound(facts({}), MAILBOX)).toEqual({ route: 'none' });
  });

  it('a message answering another (In-Reply-To/References) is a reply, after reports and the mailbox', () => {
    const references = ['<d1@shop.example>'];
    expect(
      routeInbound(facts({ recipients: ['support@shop.example'], references }), MAILBOX),
    ).toEqual({ route: 'reply' });
    expect(routeInbound(facts({ reportType: 'feedback-report', references }), MAILBOX)).toEqual({
      route: 'report',
    });
    expect(
      routeInbound(facts({ recipients: ['unsubscribe@shop.example'], references }), MAILBOX),
    ).toEqual({ route: 'unsubscribe', addressTags: [] });
    expect(routeInbound(facts({ references: [] }), MAILBOX)).toEqual({ route: 'none' });
  });
});
