import { REASON_CODES } from '../policy/engine';
import { formatDay } from './sentence-dates';
import type { SentenceContext } from './sentence-words';
import { sentence } from './sentences';

const ru: SentenceContext = { locale: 'ru', zone: 'Europe/Moscow' };
const en: SentenceContext = { locale: 'en', zone: 'Europe/Moscow' };

describe('timeline sentences', () => {
  it('gives the issue’s example in both languages, in the customer’s zone', () => {
    const e = {
      type: 'decision.skip',
      reason: 'budget_exhausted',
      channel: null,
      data: { nextEligibleAt: '2027-05-13T21:30:00Z', topic: 'offers' },
      topicTitle: 'offers',
      windowDays: 180,
    };
    expect(sentence(e, en)).toBe('Not sent: the six-month limit for offers runs until 14 May 2027');
    expect(sentence({ ...e, topicTitle: 'скидки' }, ru)).toBe(
      'Не отправлено: полугодовой лимит для «скидки» действует до 14 мая 2027',
    );
    expect(formatDay('2027-05-13T21:30:00Z', { locale: 'en', zone: 'UTC' })).toBe('13 May 2027');
  });

  it('explains every reason code in both languages (no raw codes)', () => {
    for (const reason of REASON_CODES)
      for (const ctx of [ru, en]) {
        const s = sentence(
          { type: 'decision.skip', reason, channel: 'email', data: {}, topicTitle: 'tips' },
          ctx,
        );
        expect(s).not.toMatch(new RegExp(`: ${reason}$`));
        expect(s).not.toContain('_');
        expect(s).toMatch(ctx.locale === 'ru' ? /^Не отправлено: [а-яё]/i : /^Not sent: [a-z]/i);
      }
  });

  it('names the winner of an arbitration and the withdrawal source', () => {
    expect(
      sentence(
        {
          type: 'decision.defer',
          reason: 'budget_exhausted',
          channel: 'email',
          data: { until: '2026-12-01T06:00:00Z' },
          windowDays: 7,
          topicTitle: 'tips',
          winnerCampaignName: 'Big sale',
        },
        en,
      ),
    ).toBe(
      'Postponed until 1 December 2026, 09:00: the weekly limit for tips runs until 1 December 2026; campaign “Big sale” had priority',
    );
    expect(
      sentence(
        {
          type: 'consent.withdrawn',
          reason: null,
          channel: 'sms',
          data: { topic: '*', source: 'sms-keyword' },
        },
        ru,
      ),
    ).toBe('Согласие отозвано: все темы по SMS (источник: sms-keyword)');
  });

  it('quotes an SMS keyword as the customer wrote it, else the kind of keyword', () => {
    const keyword = (data: Record<string, unknown>, ctx: SentenceContext) =>
      sentence({ type: 'sms.keyword', reason: null, channel: 'sms', data }, ctx);
    expect(keyword({ keyword: 'stop', written: 'СТОП' }, ru)).toBe('Клиент прислал SMS «СТОП»');
    expect(keyword({ keyword: 'stop', written: 'Stop' }, en)).toBe('The customer texted “Stop”');
    expect(keyword({ keyword: 'stop' }, ru)).toBe('Клиент прислал SMS «STOP»');
  });

  it('lists preference changes', () => {
    const e = {
      type: 'preferences.changed',
      reason: null,
      channel: null,
      data: {
        source: 'preference-page',
        changes: [
          { field: 'topic', topic: 'tips', channel: 'email', from: true, to: false },
          { field: 'maxFrequency', from: null, to: 'half_year' },
          { field: 'pausedUntil', from: null, to: '2027-02-28T21:00:00Z' },
          { field: 'channels', from: [], to: ['sms'] },
        ],
      },
      topicTitles: { tips: 'Полезные советы' },
    };
    expect(sentence(e, ru)).toBe(
      'Клиент изменил настройки: «Полезные советы» по e-mail — выключено; не чаще чем раз в полгода; пауза до 1 марта 2027; каналы: SMS',
    );
    expect(sentence({ ...e, topicTitles: { tips: 'Useful tips' } }, en)).toBe(
      'The customer changed their preferences: Useful tips by e-mail: off; at most once every six months; paused until 1 March 2027; channels: SMS',
    );
    expect(sentence({ ...e, data: { unsubscribeAll: true } }, en)).toBe(
      'The customer unsubscribed from everything on the preference page',
    );
  });

  it('tells a report naming another address as ignored, in both languages', () => {
    const e = {
      type: 'delivery.feedback_ignored',
      reason: 'recipient_mismatch',
      channel: 'email',
      data: { report: 'complaint' },
      campaignName: 'Tips',
    };
    expect(sentence(e, en)).toMatch(
      /^A complaint about the message \(.*Tips.*\) named another address; ignored$/,
    );
    expect(sentence({ ...e, data: { report: 'bounce' } }, ru)).toMatch(
      /^Отчёт о недоставке по сообщению \(.*Tips.*\) называет другой адрес — не применён$/,
    );
  });
});
