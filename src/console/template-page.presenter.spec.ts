import {
  editorLocales,
  localesOf,
  previewsOf,
  templateMessages,
  templateRow,
  templateVersionRow,
} from './template-page.presenter';

describe('console template page presenter', () => {
  it('reads parts from the form: CRLF to LF, blank parts and other fields left out', () => {
    expect(
      localesOf({
        name: 'promo',
        _csrf: 'x',
        'part.en.text': 'Hi\r\nthere',
        'part.en.sms': '   ',
        'part.ru.sms': ['Привет', 'second'],
        'part.e.sms': 'too short a locale',
        'part.en.sms.extra': 'no',
        'part.en-GB.subject': 'Hello',
      }),
    ).toEqual({
      en: { text: 'Hi\nthere' },
      ru: { sms: 'Привет' },
      'en-GB': { subject: 'Hello' },
    });
  });

  it('puts each message on the part it names, name messages beside the name only when asked', () => {
    const messages = [
      'locales.en.sms: unclosed {{#if}}',
      'locales.en.sms: second',
      'locales.ru.text: bad',
      'name must match',
      'template promo is busy',
    ];
    expect(templateMessages(messages, true)).toEqual({
      errors: {
        en: { sms: ['locales.en.sms: unclosed {{#if}}', 'locales.en.sms: second'] },
        ru: { text: ['locales.ru.text: bad'] },
      },
      nameErrors: ['name must match'],
      general: ['template promo is busy'],
    });
    expect(templateMessages(messages).general).toEqual([
      'name must match',
      'template promo is busy',
    ]);
  });

  it('lays out the editor: locales sorted, every part with its id, value and messages', () => {
    const [en, ru] = editorLocales(
      { ru: { sms: 'Привет' }, en: {} },
      { ru: { sms: ['too long'] } },
    );
    expect(en.locale).toBe('en');
    expect(en.parts.every((p) => p.value === '' && p.errors === null)).toBe(true);
    expect(ru.parts.find((p) => p.part === 'sms')).toEqual({
      part: 'sms',
      value: 'Привет',
      id: 'part-ru-sms',
      errors: ['too long'],
    });
    expect(ru.parts.map((p) => p.part)).toEqual(en.parts.map((p) => p.part));
  });

  it('formats rows and previews', () => {
    expect(previewsOf({ en: { sms: 'x' }, ru: { sms: 'y' } })).toEqual([
      { locale: 'en', sms: 'x' },
      { locale: 'ru', sms: 'y' },
    ]);
    expect(templateRow({ name: 'a', updatedAt: null }, 'en').updated).toBe('—');
    expect(
      templateVersionRow({ version: 2, createdAt: new Date('2026-01-01T00:00:00Z') }, 'en').created,
    ).toBe('1 Jan 2026, 00:00 (UTC)');
  });
});
