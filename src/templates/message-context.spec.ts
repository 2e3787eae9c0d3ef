import { campaignTexts, deliveryContext, sampleContext, templateCustomer } from './message-context';

const NOW = new Date('2026-11-23T12:00:00Z');
const customer = {
  name: 'Anna',
  email: 'a@mail.example',
  phone: null,
  company: null,
  locale: 'ru-RU',
  timezone: 'Europe/Moscow',
  attributes: null,
  purchase_count: 0,
  last_purchase_at: null,
};
const company = { name: 'Ромашка', address: 'Казань' };

describe('templateCustomer', () => {
  it('gives the lifecycle stage and empty attributes rather than null', () => {
    expect(templateCustomer(customer, NOW)).toMatchObject({
      lifecycleStage: 'prospect',
      attributes: {},
    });
  });
});

describe('deliveryContext', () => {
  it('says why in the customer language, with the topic title in it', () => {
    const ctx = deliveryContext({
      customer,
      company,
      campaign: { name: 'Tips', goal: 'retention', effectiveAt: null },
      category: 'content',
      topic: { key: 'tips', title: { ru: 'Советы', en: 'Tips' } },
      links: { unsubscribe: 'u', preferences: 'p' },
      now: NOW,
    });
    expect(ctx.reason).toBe(
      'Вы получили это сообщение, потому что подписались на рассылку «Советы» от Ромашка.',
    );
    expect(ctx.campaign).toEqual({
      name: 'Tips',
      topic: 'tips',
      goal: 'retention',
      effectiveAt: null,
      title: 'Tips',
      summary: 'Tips',
    });
  });

  it('falls back to English and to the topic key', () => {
    const ctx = deliveryContext({
      customer: { ...customer, locale: 'de' },
      company,
      campaign: { name: 'Offer', goal: 'revenue', effectiveAt: null },
      category: 'promotional',
      topic: { key: 'offers', title: null },
      links: { unsubscribe: 'u', preferences: 'p' },
      now: NOW,
    });
    expect(ctx.reason).toBe(
      'You receive this because you agreed to receive “offers” from Ромашка.',
    );
  });
});

describe('sampleContext', () => {
  it('uses the sample customer, placeholder links and an announcement date 30 days ahead', () => {
    const ctx = sampleContext({
      locale: 'en',
      now: NOW,
      company,
      publicUrl: 'https://t.example',
      linkToken: 'sample',
      campaign: { name: 'Sample' },
    });
    expect(ctx.customer.name).toBe('Emma Clarke');
    expect(ctx.links).toEqual({
      unsubscribe: 'https://t.example/u/sample',
      preferences: 'https://t.example/p/sample',
    });
    expect(ctx.campaign).toEqual({
      name: 'Sample',
      topic: '',
      goal: null,
      effectiveAt: new Date('2026-12-23T12:00:00Z'),
      title: 'Sample',
      summary: 'Sample',
    });
    expect(ctx.reason).toBeNull();
  });

  it("gives an announcement's own words in the customer's locale, its language, English, then any", () => {
    const texts = {
      ru: { title: 'Новые часы', summary: 'С 9 до 21.' },
      en: { title: 'New hours', summary: 'From 9 to 21.' },
      'de-AT': { title: 'Neue Zeiten', summary: 'Von 9 bis 21.' },
    };
    expect(campaignTexts(texts, 'ru-RU', 'internal')).toEqual(texts.ru);
    expect(campaignTexts(texts, 'de-AT', 'internal')).toEqual(texts['de-AT']);
    expect(campaignTexts(texts, 'fr', 'internal')).toEqual(texts.en);
    expect(campaignTexts({ ru: texts.ru }, 'fr', 'internal')).toEqual(texts.ru);
    expect(campaignTexts(null, 'ru', 'internal')).toEqual({
      title: 'internal',
      summary: 'internal',
    });
  });
});
