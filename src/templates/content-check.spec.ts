import { contentCheck } from './content-check';

const phrases = (parts: Parameters<typeof contentCheck>[0], rule?: string) =>
  contentCheck(parts)
    .findings.filter((f) => !rule || f.rule === rule)
    .map((f) => f.phrase);

describe('contentCheck', () => {
  it('passes helpful content with a text part', () => {
    expect(
      contentCheck({
        subject: 'Три способа продлить жизнь любимым вещам',
        html: '<p>Обувь лучше носить через день. <a href="https://example.ru/care">Подробнее</a></p>',
        text: 'Обувь лучше носить через день.',
      }),
    ).toEqual({ score: 0, level: 'ok', findings: [] });
  });

  it('finds Russian discount words in any case form, and not inside other words', () => {
    const text =
      'Скидки до 50%! Успейте на распродажу, доставка бесплатно, только  сегодня. Акция для вас.';
    expect(phrases({ text }, 'discount_words')).toEqual(
      expect.arrayContaining([
        'Скидки',
        'Успейте',
        'распродажу',
        'бесплатно',
        'только сегодня',
        'Акция',
      ]),
    );
    expect(phrases({ text: 'Собрание акционеров и выгул собак' }, 'discount_words')).toEqual([]);
  });

  it('finds English discount words, "% off" and "-30%", but not "freedom" or "wholesale"', () => {
    const text = 'Big SALE: 30% off, free shipping, limited time! Last chance: -30% today only.';
    expect(phrases({ text }, 'discount_words')).toEqual(
      expect.arrayContaining([
        'SALE',
        '30% off',
        'free',
        'limited time',
        'Last chance',
        '-30%',
        'today only',
      ]),
    );
    expect(
      phrases({ text: 'Freedom to choose; wholesale prices; carefree' }, 'discount_words'),
    ).toEqual([]);
  });

  it('flags shouting capitals (4+ letters) in both alphabets, but not short acronyms or STOP', () => {
    expect(phrases({ subject: 'ТОЛЬКО СЕЙЧАС: NEW SMS offer, reply STOP' }, 'shouting')).toEqual([
      'ТОЛЬКО',
      'СЕЙЧАС',
    ]);
  });

  it('flags exclamation runs, however spaced, but not single exclamation marks', () => {
    expect(phrases({ text: 'Wow!!! Great! ! ! ok' }, 'exclamations')).toEqual(['!!!']);
    expect(phrases({ text: 'Hi!! there' }, 'exclamations')).toEqual(['!!']);
    expect(phrases({ text: 'Hello! Thank you! See you!' }, 'exclamations')).toEqual([]);
  });

  it('flags more than three links and a missing plain-text part', () => {
    const html = [1, 2, 3, 4].map((i) => `<a href="https://x.test/${i}">${i}</a>`).join(' ');
    expect(contentCheck({ html }).findings).toEqual([
      { rule: 'too_many_links', phrase: '4 links' },
      { rule: 'no_text_part', phrase: 'no plain-text part' },
    ]);
    const three = [1, 2, 3].map((i) => `<a href="https://x.test/${i}">${i}</a>`).join(' ');
    expect(contentCheck({ html: three, text: 'x' }).findings).toEqual([]);
  });

  it('scores: ok under 4, warn from 4, high from 8; a repeated phrase counts once', () => {
    expect(contentCheck({ text: 'sale sale sale' })).toMatchObject({ score: 2, level: 'ok' });
    expect(contentCheck({ text: 'sale, discount' })).toMatchObject({ score: 4, level: 'warn' });
    expect(
      contentCheck({ subject: 'СКИДКА!!! Только сегодня', html: '<p>Распродажа</p>' }),
    ).toMatchObject({ level: 'high' });
  });

  describe('a text that asks for a reply nobody reads', () => {
    const unread = (parts: Parameters<typeof contentCheck>[0]) =>
      contentCheck(parts, { repliesRead: false })
        .findings.filter((f) => f.rule === 'reply_unread')
        .map((f) => f.phrase);

    it.each([
      ['Если что-то не так, ответьте на это письмо — разберёмся.', 'ответьте на это письмо'],
      ['Можно просто ответить на это письмо.', 'ответить на это письмо'],
      ['Вопросы? Напишите нам в ответ.', 'Напишите нам в ответ'],
      ['Just reply and we will help.', 'Just reply'],
      ['If anything is wrong, reply to this e-mail.', 'reply to this e-mail'],
      ['Hit reply to this email now', 'Hit reply to this email'],
    ])('%s', (text, phrase) => expect(unread({ text })).toContain(phrase));

    it('is a warning on its own, adds nothing to the score, and needs repliesRead: false', () => {
      const text = 'Just reply to this e-mail.';
      expect(contentCheck({ text }, { repliesRead: false })).toMatchObject({
        score: 0,
        level: 'warn',
      });
      expect(contentCheck({ text }, { repliesRead: true })).toEqual({
        score: 0,
        level: 'ok',
        findings: [],
      });
      expect(contentCheck({ text })).toMatchObject({ level: 'ok', findings: [] });
    });

    it('does not take other uses of the words for an invitation', () => {
      expect(
        unread({ text: 'Reply STOP to opt out. Ответ на ваш вопрос — ниже. No reply needed' }),
      ).toEqual([]);
    });
  });
});
