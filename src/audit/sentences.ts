export type TimelineLocale = 'ru' | 'en';

/** What a sentence is built from: one audit row plus the names it refers to. */
export interface SentenceInput {
  type: string;
  reason: string | null;
  channel: string | null;
  data: Record<string, unknown>;
  campaignName?: string | null;
  /** The topic's title in the sentence's locale, or its key. */
  topicTitle?: string | null;
  /** The budget window that applied (days), for budget_exhausted. */
  windowDays?: number | null;
  /** Topic titles in the sentence's locale, by key (preference changes name several). */
  topicTitles?: Record<string, string>;
  /** budget_exhausted: the campaign that won the arbitration. */
  winnerCampaignName?: string | null;
}

export interface SentenceContext {
  locale: TimelineLocale;
  /** The customer's IANA zone: dates are the customer's dates. */
  zone: string;
}

const CHANNEL_BY: Record<TimelineLocale, Record<string, string>> = {
  en: { email: 'by e-mail', sms: 'by SMS', voice: 'by phone call' },
  ru: { email: 'по e-mail', sms: 'по SMS', voice: 'звонком' },
};

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

const SUPPRESSION: Record<TimelineLocale, Record<string, string>> = {
  en: {
    hard_bounce: 'the address bounced permanently',
    complaint: 'the customer complained',
    erasure: 'the customer’s data was erased',
    do_not_contact: 'do not contact',
  },
  ru: {
    hard_bounce: 'адрес не существует (постоянный отказ)',
    complaint: 'клиент пожаловался',
    erasure: 'данные клиента удалены',
    do_not_contact: 'не связываться',
  },
};

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** A date in the customer's zone and language: "14 May 2027" / "14 мая 2027". */
export function formatDay(iso: string, ctx: SentenceContext): string {
  const p = dateParts(iso, ctx);
  return p ? `${p.day} ${p.month} ${p.year}` : iso;
}

export function formatDayTime(iso: string, ctx: SentenceContext): string {
  const p = dateParts(iso, ctx);
  return p ? `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute}` : iso;
}

// Intl formatters are costly to build and cheap to use: one per locale and zone (a timeline of
// 100 entries formats ~150 dates; building them each time cost more than the query).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(ctx: SentenceContext): Intl.DateTimeFormat {
  const key = `${ctx.locale}|${ctx.zone}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    };
    const locale = ctx.locale === 'ru' ? 'ru-RU' : 'en-GB';
    try {
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone: ctx.zone });
    } catch {
      // An unknown zone is shown in UTC rather than failing the page.
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' });
    }
    if (formatters.size > 1000) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

function dateParts(iso: string, ctx: SentenceContext): Record<string, string> | null {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const out: Record<string, string> = {};
  for (const part of formatter(ctx).formatToParts(d)) out[part.type] = part.value;
  return out;
}

/** A readable sentence for one audit row, in Russian or English. */
export function sentence(e: SentenceInput, ctx: SentenceContext): string {
  const ru = ctx.locale === 'ru';
  const d = e.data ?? {};
  const by = e.channel ? (CHANNEL_BY[ctx.locale][e.channel] ?? e.channel) : null;
  const topic = topicName(e, d, ctx);
  const campaign = e.campaignName
    ? ru
      ? `кампания «${e.campaignName}»`
      : `campaign “${e.campaignName}”`
    : null;
  const dayTime = (v: unknown) => (str(v) ? formatDayTime(str(v)!, ctx) : null);
  const join = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join(', ');

  switch (e.type) {
    case 'decision.send': {
      const when = dayTime(d.notBefore);
      return ru
        ? `Запланировано: ${join(campaign, by)}${when ? `, не раньше ${when}` : ''}`
        : `Planned: ${join(campaign, by)}${when ? `, not before ${when}` : ''}`;
    }
    case 'decision.defer': {
      const until = dayTime(d.until ?? d.notBefore ?? d.nextEligibleAt);
      const why = reasonText(e, d, topic, ctx);
      return ru
        ? `Отложено${until ? ` до ${until}` : ''}: ${why}${campaign ? ` (${campaign})` : ''}`
        : `Postponed${until ? ` until ${until}` : ''}: ${why}${campaign ? ` (${campaign})` : ''}`;
    }
    case 'decision.skip': {
      const why = reasonText(e, d, topic, ctx);
      return ru
        ? `Не отправлено: ${why}${campaign ? ` (${campaign})` : ''}`
        : `Not sent: ${why}${campaign ? ` (${campaign})` : ''}`;
    }
    case 'delivery.sent':
      return ru ? `Отправлено ${join(by, campaign)}` : `Sent ${join(by, campaign)}`;
    case 'delivery.delivered':
      return ru ? `Доставлено ${join(by, campaign)}` : `Delivered ${join(by, campaign)}`;
    case 'delivery.bounced':
      return ru
        ? `Не доставлено ${join(by, campaign)}: ${str(d.bounceType) === 'soft' ? 'временный отказ' : 'адрес отклонил сообщение'}`
        : `Bounced ${join(by, campaign)}: ${str(d.bounceType) === 'soft' ? 'a temporary failure' : 'the address rejected the message'}`;
    case 'delivery.deferred': {
      const until = dayTime(d.until);
      const why = e.reason ? reasonText(e, d, topic, ctx) : null;
      return ru
        ? `Отправка отложена${until ? ` до ${until}` : ''}${why ? `: ${why}` : ''} (${join(campaign, by)})`
        : `Sending postponed${until ? ` until ${until}` : ''}${why ? `: ${why}` : ''} (${join(campaign, by)})`;
    }
    case 'delivery.retry': {
      const until = dayTime(d.until);
      return ru
        ? `Временная ошибка отправки; повтор${until ? ` в ${until}` : ''} (${join(campaign, by)})`
        : `Temporary sending error; retry${until ? ` at ${until}` : ''} (${join(campaign, by)})`;
    }
    case 'delivery.soft_bounce':
      return ru
        ? `Временный отказ доставки (${join(campaign, by)})`
        : `Temporary delivery failure (${join(campaign, by)})`;
    case 'delivery.failed':
      return ru
        ? `Не удалось отправить ${join(by, campaign)}`
        : `Sending failed ${join(by, campaign)}`;
    case 'delivery.complained':
      return ru
        ? `Клиент пожаловался на сообщение (${join(campaign, by)}) — адрес заблокирован`
        : `The customer marked the message as spam (${join(campaign, by)}); the address is suppressed`;
    case 'delivery.feedback_ignored': {
      const complaint = d.report === 'complaint';
      return ru
        ? `${complaint ? 'Жалоба' : 'Отчёт о недоставке'} по сообщению (${join(campaign, by)}) называет другой адрес — не применён`
        : `A ${complaint ? 'complaint' : 'bounce report'} about the message (${join(campaign, by)}) named another address; ignored`;
    }
    case 'delivery.unknown':
      return ru
        ? `Судьба сообщения неизвестна после сбоя; повторно не отправляется (${join(campaign, by)})`
        : `Fate unknown after a crash; it is not sent again (${join(campaign, by)})`;
    case 'delivery.cancelled':
      return ru
        ? `Отменено до отправки${e.reason ? `: ${reasonText(e, d, topic, ctx)}` : ''} (${join(campaign, by)})`
        : `Cancelled before sending${e.reason ? `: ${reasonText(e, d, topic, ctx)}` : ''} (${join(campaign, by)})`;
    case 'consent.granted':
    case 'consent.confirmed':
    case 'consent.withdrawn': {
      const verb = {
        'consent.granted': ru ? 'Согласие получено' : 'Consent given',
        'consent.confirmed': ru ? 'Согласие подтверждено' : 'Consent confirmed',
        'consent.withdrawn': ru ? 'Согласие отозвано' : 'Consent withdrawn',
      }[e.type];
      const source = str(d.source);
      const version = str(d.wordingVersion);
      const extra = join(
        source ? (ru ? `источник: ${source}` : `source: ${source}`) : null,
        version ? (ru ? `версия текста: ${version}` : `wording version: ${version}`) : null,
      );
      return `${verb}: ${topic} ${by ?? ''}`.trimEnd() + (extra ? ` (${extra})` : '');
    }
    case 'preferences.changed': {
      if (d.unsubscribeAll === true)
        return ru
          ? 'Клиент отписался от всех рассылок на странице настроек'
          : 'The customer unsubscribed from everything on the preference page';
      const changes = Array.isArray(d.changes) ? (d.changes as Record<string, unknown>[]) : [];
      const parts = changes.map((c) => preferenceChange(c, e, ctx)).filter(Boolean);
      const head = ru ? 'Клиент изменил настройки' : 'The customer changed their preferences';
      return parts.length ? `${head}: ${parts.join('; ')}` : head;
    }
    case 'suppression.added': {
      const why = e.reason ? (SUPPRESSION[ctx.locale][e.reason] ?? e.reason) : null;
      return ru
        ? `Адрес заблокирован для ${channelWord(e.channel, ctx)}${why ? `: ${why}` : ''}`
        : `Address suppressed for ${channelWord(e.channel, ctx)}${why ? `: ${why}` : ''}`;
    }
    case 'suppression.lifted':
      return ru
        ? `Блокировка адреса снята (${channelWord(e.channel, ctx)})`
        : `Suppression lifted (${channelWord(e.channel, ctx)})`;
    case 'sms.keyword': {
      const keyword = (str(d.keyword) ?? '').toUpperCase();
      return ru ? `Клиент прислал SMS «${keyword}»` : `The customer texted “${keyword}”`;
    }
    case 'customer.created':
    case 'customer.updated': {
      const fields = Array.isArray(d.fields) ? d.fields.map(String).join(', ') : '';
      const head =
        e.type === 'customer.created'
          ? ru
            ? 'Клиент добавлен'
            : 'Customer record created'
          : ru
            ? 'Данные клиента изменены'
            : 'Customer record changed';
      return fields ? `${head} (${ru ? 'поля' : 'fields'}: ${fields})` : head;
    }
    case 'admin.customer_erased':
      return ru
        ? 'Персональные данные клиента удалены; история осталась обезличенной'
        : 'Personal data erased; the history stays, pseudonymous';
    default:
      if (e.type.startsWith('admin.'))
        return ru
          ? `Действие администратора: ${e.type.slice(6)}`
          : `Admin action: ${e.type.slice(6)}`;
      return e.type;
  }
}

const FREQUENCY: Record<TimelineLocale, Record<string, string>> = {
  en: { quarter: 'once a quarter', half_year: 'once every six months', year: 'once a year' },
  ru: { quarter: 'раз в квартал', half_year: 'раз в полгода', year: 'раз в год' },
};

function preferenceChange(
  c: Record<string, unknown>,
  e: SentenceInput,
  ctx: SentenceContext,
): string | null {
  const ru = ctx.locale === 'ru';
  switch (c.field) {
    case 'topic': {
      const key = str(c.topic);
      const title = key ? (e.topicTitles?.[key] ?? key) : '';
      const by = str(c.channel) ? (CHANNEL_BY[ctx.locale][c.channel as string] ?? c.channel) : '';
      const on = c.to === true;
      return ru
        ? `«${title}» ${by} — ${on ? 'включено' : 'выключено'}`
        : `${title} ${by}: ${on ? 'on' : 'off'}`;
    }
    case 'channels': {
      const list = Array.isArray(c.to) ? (c.to as string[]) : [];
      const names = list.map((ch) => channelWord(ch, ctx)).join(', ');
      return ru ? `каналы: ${names || 'любые'}` : `channels: ${names || 'any'}`;
    }
    case 'maxFrequency': {
      const f = str(c.to);
      return f
        ? ru
          ? `не чаще чем ${FREQUENCY.ru[f] ?? f}`
          : `at most ${FREQUENCY.en[f] ?? f}`
        : ru
          ? 'без ограничения частоты'
          : 'no frequency limit';
    }
    case 'pausedUntil': {
      const until = str(c.to);
      return until
        ? ru
          ? `пауза до ${formatDay(until, ctx)}`
          : `paused until ${formatDay(until, ctx)}`
        : ru
          ? 'пауза снята'
          : 'pause removed';
    }
    default:
      return null;
  }
}

function channelWord(channel: string | null, ctx: SentenceContext): string {
  const words: Record<string, [string, string]> = {
    email: ['e-mail', 'e-mail'],
    sms: ['SMS', 'SMS'],
    voice: ['calls', 'звонков'],
  };
  const w = channel ? words[channel] : undefined;
  return w ? w[ctx.locale === 'ru' ? 1 : 0] : (channel ?? '');
}

function topicName(e: SentenceInput, d: Record<string, unknown>, ctx: SentenceContext): string {
  const key = str(d.topic);
  if (key === '*') return ctx.locale === 'ru' ? 'все темы' : 'all topics';
  const title = e.topicTitle ?? key;
  if (!title) return ctx.locale === 'ru' ? 'рассылки' : 'messages';
  return ctx.locale === 'ru' ? `«${title}»` : title;
}

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
    default:
      return e.reason ?? (ru ? 'причина не указана' : 'no reason recorded');
  }
}
