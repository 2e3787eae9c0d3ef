import { linksOf, outgoingMessage, replyToOf, senderIdentity } from './outgoing-message';
import type { ClaimedDelivery } from './sql/claim-due-deliveries';
import type { Recipient } from './sql/lock-recipients';

const settingsLike = {
  publicUrl: 'https://t.example',
  unsubscribeMailto: 'unsubscribe@t.example',
  mailFrom: 'Shop <news@shop.example>',
  company: { name: 'Shop Example!', address: 'Street 1' },
};
const identity = senderIdentity(settingsLike);
const customer = {
  email: 'a@mail.example',
  phone: '+79161234567',
  locale: 'ru',
  account_manager_phone: null,
  account_manager_email: null,
} as Recipient;
const tokens = { unsubscribe: 'U', preferences: 'P' };

describe('senderIdentity', () => {
  it('takes the Message-ID domain from MAIL_FROM and a slug of the company', () => {
    expect(identity).toMatchObject({ mailDomain: 'shop.example', companySlug: 'shop-example' });
    expect(linksOf(identity, tokens)).toEqual({
      unsubscribe: 'https://t.example/u/U',
      preferences: 'https://t.example/p/P',
    });
  });
});

describe('outgoingMessage', () => {
  it('an e-mail carries one-click and mailto unsubscribe and its Feedback-ID', () => {
    const row = { id: 'd1', campaign_id: 'c1', topic: 'tips', channel: 'email' } as ClaimedDelivery;
    const m = outgoingMessage(identity, row, customer, { channel: 'voice', brief: 'x' }, tokens);
    expect(m).toMatchObject({ to: 'a@mail.example', locale: 'ru', messageId: '<d1@shop.example>' });
    expect(m.headers).toEqual({
      'List-Unsubscribe':
        '<https://t.example/u/U>, <mailto:unsubscribe@t.example?subject=unsubscribe-U>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'Feedback-ID': 'c1:tips:shop-example',
      'X-Tactful-Delivery': 'd1',
    });
  });

  it('an SMS goes to the phone, without headers', () => {
    const row = { id: 'd2', campaign_id: 'c1', topic: 'tips', channel: 'sms' } as ClaimedDelivery;
    const m = outgoingMessage(identity, row, customer, { channel: 'voice', brief: 'x' }, tokens);
    expect(m.to).toBe('+79161234567');
    expect(m.headers).toBeUndefined();
  });
});

describe('replyToOf', () => {
  const support = { replyTo: 'Support <support@shop.example>' };
  const consumer = { kind: 'consumer', account_manager_email: null } as const;
  const business = { kind: 'business', account_manager_email: 'igor@shop.example' } as const;
  const noCampaign = { campaign_reply_to: null };

  it('a business contact with an account manager e-mail replies to that person', () => {
    expect(replyToOf(support, { campaign_reply_to: 'team@shop.example' }, business)).toBe(
      'igor@shop.example',
    );
  });

  it('otherwise the campaign own address, then REPLY_TO, then nothing', () => {
    expect(replyToOf(support, { campaign_reply_to: 'team@shop.example' }, consumer)).toBe(
      'team@shop.example',
    );
    expect(replyToOf(support, noCampaign, consumer)).toBe('Support <support@shop.example>');
    expect(replyToOf(support, noCampaign, { ...business, account_manager_email: null })).toBe(
      'Support <support@shop.example>',
    );
    expect(replyToOf({}, noCampaign, consumer)).toBeUndefined();
  });

  it('only e-mails carry it', () => {
    const id = senderIdentity({ ...settingsLike, replyTo: 'support@shop.example' });
    const email = { id: 'd1', channel: 'email', campaign_reply_to: null } as ClaimedDelivery;
    const sms = { id: 'd2', channel: 'sms', campaign_reply_to: null } as ClaimedDelivery;
    const rendered = { channel: 'voice', brief: 'x' } as const;
    expect(outgoingMessage(id, email, customer, rendered, tokens).replyTo).toBe(
      'support@shop.example',
    );
    expect(outgoingMessage(id, sms, customer, rendered, tokens).replyTo).toBeUndefined();
  });
});
