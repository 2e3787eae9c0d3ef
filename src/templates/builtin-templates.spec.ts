import type { AuditWriter } from '../audit-log/audit-writer';
import type { Clock } from '../common/clock';
import type { Settings } from '../config/settings';
import type { DataSource } from 'typeorm';
import { contentCheck } from './content-check';
import { sampleCustomer } from './message-context';
import { TEMPLATE_CHANNELS, TemplateRenderError, type TemplateContext } from './template-context';
import { loadTemplateFiles } from './template-files';
import { TemplatesService } from './templates.service';

const NOW = new Date('2026-11-23T12:00:00Z');
const settings = {
  company: { name: 'ООО «Ромашка»', address: 'Казань, ул. Баумана, 1' },
  publicUrl: 'https://tactful.test',
  smsMaxSegments: 3,
} as Settings;
// No database: no stored versions, and every topic is a content topic called "Полезные советы".
const dataSource = {
  query: async (sql: string) =>
    sql.includes('FROM topics')
      ? [{ category: 'content', title: { ru: 'Полезные советы', en: 'Useful tips' } }]
      : sql.includes('max(version)')
        ? [{ version: null }]
        : [],
} as unknown as DataSource;
const service = new TemplatesService(
  dataSource,
  {} as AuditWriter,
  { now: () => NOW } as Clock,
  settings,
);

const files = loadTemplateFiles();
const EXAMPLES = [
  'announcement',
  'care-after-purchase',
  'offer',
  'review-reminder',
  'review-request',
  'tips',
  'winback',
];

const context = (locale: string, overrides: Partial<TemplateContext> = {}): TemplateContext => ({
  customer: sampleCustomer(locale),
  company: settings.company,
  campaign: {
    name: locale === 'ru' ? 'Новые часы работы' : 'New opening hours',
    topic: 'tips',
    goal: 'retention',
    effectiveAt: new Date('2026-12-24T09:00:00Z'),
    title: locale === 'ru' ? 'Новые часы работы' : 'New opening hours',
    summary:
      locale === 'ru'
        ? 'Магазин будет открыт с 9 до 21 каждый день.'
        : 'The shop will be open from 9 to 21 every day.',
  },
  links: { unsubscribe: 'https://tactful.test/u/t1', preferences: 'https://tactful.test/p/t1' },
  now: NOW,
  ...overrides,
});

describe('built-in templates', () => {
  it('ships every example campaign template in ru and en', () => {
    expect([...files.builtins.keys()].sort()).toEqual(EXAMPLES);
    for (const name of EXAMPLES) {
      expect(Object.keys(files.builtins.get(name) ?? {}).sort()).toEqual(['en', 'ru']);
    }
  });

  describe.each(EXAMPLES.flatMap((n) => ['ru', 'en'].map((l) => [n, l])))(
    '%s (%s)',
    (name, locale) => {
      it('renders every channel it has for the sample customer: whole, gentle, short', async () => {
        const parts = files.builtins.get(name)?.[locale] ?? {};
        for (const channel of TEMPLATE_CHANNELS) {
          const has =
            channel === 'email' ? !!parts.subject : channel === 'sms' ? !!parts.sms : !!parts.call;
          if (!has) continue;
          const msg = await service.render(name, 1, channel, context(locale));
          if (msg.channel === 'email') {
            const body = msg.html.split('tactful-footer')[0];
            expect(contentCheck({ subject: msg.subject, html: body, text: msg.text }).level).toBe(
              'ok',
            );
            expect(msg.html).toContain('https://tactful.test/u/t1');
            expect(msg.html).toContain('https://tactful.test/p/t1');
            expect(msg.text).toContain('https://tactful.test/u/t1');
            expect(msg.text).toContain('Казань, ул. Баумана, 1');
            expect(msg.html).toContain(`lang="${locale}"`);
          } else if (msg.channel === 'sms') {
            expect(msg.segments).toBeLessThanOrEqual(2);
            expect(msg.body).toMatch(
              locale === 'ru' ? /Отписаться: ответьте STOP$/ : /Reply STOP to opt out$/,
            );
          } else {
            expect(msg.brief.length).toBeGreaterThan(20);
          }
        }
      });
    },
  );

  it('renders Russian plurals and dates in the customer zone', async () => {
    const msg = await service.render('announcement', 1, 'email', context('ru'));
    if (msg.channel !== 'email') throw new Error('email expected');
    expect(msg.subject).toBe('Заранее сообщаем: с 24 декабря 2026 г. — Новые часы работы');
    expect(msg.text).toContain('через 31 день');
    expect(msg.text).toContain(
      'Вы получили это письмо, потому что подписались на рассылку «Полезные советы».',
    );
  });

  it('gives the footer reason the caller names', async () => {
    const msg = await service.render(
      'tips',
      1,
      'email',
      context('en', { reason: 'You asked us to.' }),
    );
    if (msg.channel !== 'email') throw new Error('email expected');
    expect(msg.text).toContain('You asked us to.');
    expect(msg.html).toContain('You asked us to.');
  });

  it('refuses to render without the unsubscribe link, or with a value missing', async () => {
    const noLinks = context('ru', { links: { unsubscribe: '', preferences: 'https://x/p' } });
    await expect(service.render('tips', 1, 'email', noLinks)).rejects.toThrow(/links\.unsubscribe/);
    const noDate = context('ru');
    noDate.campaign.effectiveAt = null;
    const err = await service.render('announcement', 1, 'email', noDate).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateRenderError);
    expect((err as TemplateRenderError).problems.map((p) => `${p.part}:${p.variable}`)).toEqual(
      expect.arrayContaining(['subject:campaign.effectiveAt', 'html:campaign.effectiveAt']),
    );
  });

  it('falls back from ru-RU to ru and from an unknown locale to en', async () => {
    const ruRu = context('ru');
    ruRu.customer = { ...ruRu.customer, locale: 'ru-RU' };
    const a = await service.render('tips', 1, 'sms', ruRu);
    expect(a.channel === 'sms' && a.body).toMatch(/Отписаться/);
    const de = context('en');
    de.customer = { ...de.customer, locale: 'de' };
    const b = await service.render('tips', 1, 'sms', de);
    expect(b.channel === 'sms' && b.body).toMatch(/Reply STOP/);
  });

  it.each(['tips', 'review-request'])(
    'keeps the English %s SMS in GSM-7 and one segment for a company with a Latin name',
    async (name) => {
      const msg = await service.render(
        name,
        1,
        'sms',
        context('en', { company: { name: 'Shop Example', address: '1 High Street' } }),
      );
      expect(msg).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    },
  );

  it('says when a template has no part for a channel', async () => {
    await expect(service.render('review-reminder', 1, 'voice', context('ru'))).rejects.toThrow(
      /no voice part/,
    );
  });
});
