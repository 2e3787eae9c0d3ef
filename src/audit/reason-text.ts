import { formatDay } from './sentence-dates';
import {
  CHANNEL_BY,
  str,
  type SentenceContext,
  type SentenceInput,
  type TimelineLocale,
} from './sentence-words';

const WINDOW: Record<TimelineLocale, Record<number, string>> = {
  en: {
    1: 'daily',
    7: 'weekly',
    14: 'two-week',
    30: 'monthly',
    60: 'two-month',
    90: 'three-month',
    180: 'six-month',
    365: 'yearly',
  },
  ru: {
    1: 'суточный',
    7: 'недельный',
    14: 'двухнедельный',
    30: 'месячный',
    60: 'двухмесячный',
    90: 'трёхмесячный',
    180: 'полугодовой',
    365: 'годовой',
  },
};

/** Why a message was not sent (or postponed): the reason code told as a clause. */
export function reasonText(
  e: SentenceInput,
  d: Record<string, unknown>,
  topic: string,
  ctx: SentenceContext,
): string {
  const ru = ctx.locale === 'ru';
  const next = str(d.nextEligibleAt) ?? str(d.until);
  const nextDay = next ? formatDay(next, ctx) : null;
  const by = e.channel ? (CHANNEL_BY[ctx.locale][e.channel] ?? e.channel) : null;
  switch (e.reason) {
    case 'no_consent':
      return ru
        ? `нет согласия на ${topic}${by ? ` ${by}` : ''}`
        : `no consent to ${topic}${by ? ` ${by}` : ''}`;
    case 'consent_unconfirmed':
      return ru
        ? `согласие на ${topic} ещё не подтверждено`
        : `the consent to ${topic} is not confirmed yet`;
    case 'consent_withdrawn':
      return ru
        ? `клиент отозвал согласие на ${topic}`
        : `the customer withdrew consent to ${topic}`;
    case 'budget_exhausted': {
      const window = e.windowDays ? WINDOW[ctx.locale][e.windowDays] : null;
      const limit = ru
        ? `${window ? `${window} ` : ''}лимит для ${topic}`
        : `the ${window ? `${window} ` : 'contact '}limit for ${topic}`;
      const winner = e.winnerCampaignName ?? null;
      const tail = winner
        ? ru
          ? `; приоритет у кампании «${winner}»`
          : `; campaign “${winner}” had priority`
        : '';
      return nextDay
        ? ru
          ? `${limit} действует до ${nextDay}${tail}`
          : `${limit} runs until ${nextDay}${tail}`
        : ru
          ? `${limit} исчерпан${tail}`
          : `${limit} is used up${tail}`;
    }
    case 'quiet_hours':
      return ru ? 'тихие часы клиента' : 'the customer’s quiet hours';
    case 'outside_business_hours':
      return ru ? 'нерабочее время клиента' : 'outside the customer’s business hours';
    case 'channel_not_allowed':
      return ru
        ? 'этот канал не разрешён для клиента'
        : 'the channel is not allowed for this customer';
    case 'unreachable':
      return ru ? 'нет адреса или телефона для связи' : 'no address or phone to reach the customer';
    case 'paused_by_customer':
      return nextDay
        ? ru
          ? `клиент приостановил рассылки до ${nextDay}`
          : `the customer paused messages until ${nextDay}`
        : ru
          ? 'клиент приостановил рассылки'
          : 'the customer paused messages';
    case 'suppressed':
      return ru ? 'адрес заблокирован' : 'the address is suppressed';
    case 'fatigue_backoff':
      return ru
        ? `клиент не реагировал на последние сообщения${nextDay ? `; следующая попытка не раньше ${nextDay}` : ''}`
        : `no response to the last messages${nextDay ? `; next possible on ${nextDay}` : ''}`;
    case 'not_satisfied':
      return ru
        ? 'оценка последней покупки слишком низкая для просьбы об отзыве'
        : 'the last satisfaction score is too low to ask for a review';
    case 'notice_too_short':
      return ru
        ? 'объявление сделано слишком поздно до даты изменений'
        : 'the announcement gives too little notice before the change';
    case 'already_contacted':
      return ru
        ? 'клиенту уже писали в рамках этой кампании'
        : 'the customer was already contacted for this campaign';
    case 'held_out':
      return ru
        ? 'клиент в контрольной группе кампании: по нему видно, что было бы без рассылки'
        : 'the customer is in the campaign’s control group, which shows what happens without it';
    case 'needs_attention':
      return ru
        ? 'клиент недоволен и ждёт ответа сотрудника; рекламу и рассылки не отправляем'
        : 'the customer is unhappy and waits for a person; no content or offers meanwhile';
    default:
      return e.reason ?? (ru ? 'причина не указана' : 'no reason recorded');
  }
}
