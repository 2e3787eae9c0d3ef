import { isAuditEventType, type AuditEventType } from '../audit-log/audit-event-types';
import { reasonWords } from '../follow-ups/follow-up-reasons';
import { reasonText } from './reason-text';
import { formatDay, formatDayTime } from './sentence-dates';
import {
  CHANNEL_BY,
  channelWord,
  str,
  type SentenceContext,
  type SentenceInput,
  type TimelineLocale,
} from './sentence-words';

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

/** What every sentence draws on, worked out once per row. */
interface Row {
  e: SentenceInput;
  d: Record<string, unknown>;
  ctx: SentenceContext;
  ru: boolean;
  by: string | null;
  topic: string;
  campaign: string | null;
}

type Sentence = (r: Row) => string;

const join = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join(', ');
const dayTime = (v: unknown, ctx: SentenceContext) => (str(v) ? formatDayTime(str(v)!, ctx) : null);

/** No sentence for the customer's timeline: the row is shown by its type. */
const asType: Sentence = ({ e }) => e.type;

/** Administration without a sentence of its own: "Admin action: topic_created". */
const adminAction: Sentence = ({ e, ru }) =>
  ru ? `Действие администратора: ${e.type.slice(6)}` : `Admin action: ${e.type.slice(6)}`;

const consent =
  (verb: Record<TimelineLocale, string>): Sentence =>
  ({ d, ctx, ru, by, topic }) => {
    const source = str(d.source);
    const version = str(d.wordingVersion);
    const extra = join(
      source ? (ru ? `источник: ${source}` : `source: ${source}`) : null,
      version ? (ru ? `версия текста: ${version}` : `wording version: ${version}`) : null,
    );
    return `${verb[ctx.locale]}: ${topic} ${by ?? ''}`.trimEnd() + (extra ? ` (${extra})` : '');
  };

const customerRecord =
  (head: Record<TimelineLocale, string>): Sentence =>
  ({ d, ctx, ru }) => {
    const fields = Array.isArray(d.fields) ? d.fields.map(String).join(', ') : '';
    return fields ? `${head[ctx.locale]} (${ru ? 'поля' : 'fields'}: ${fields})` : head[ctx.locale];
  };

/**
 * One sentence (or the stated decision to have none) per type of the audit vocabulary: a type
 * added to `AUDIT_EVENT_TYPES` without an entry here fails type checking.
 */
const SENTENCES: Record<AuditEventType, Sentence> = {
  // Campaign lifecycle: the campaign report tells it, not the customer's timeline.
  'campaign.created': asType,
  'campaign.updated': asType,
  'campaign.launched': asType,
  'campaign.running': asType,
  'campaign.step_planned': asType,
  'campaign.completed': asType,
  'campaign.paused': asType,
  'campaign.resumed': asType,
  'campaign.cancelled': asType,

  'decision.send': ({ d, ctx, ru, by, campaign }) => {
    const when = dayTime(d.notBefore, ctx);
    return ru
      ? `Запланировано: ${join(campaign, by)}${when ? `, не раньше ${when}` : ''}`
      : `Planned: ${join(campaign, by)}${when ? `, not before ${when}` : ''}`;
  },
  'decision.defer': ({ e, d, ctx, ru, topic, campaign }) => {
    const until = dayTime(d.until ?? d.notBefore ?? d.nextEligibleAt, ctx);
    const why = reasonText(e, d, topic, ctx);
    return ru
      ? `Отложено${until ? ` до ${until}` : ''}: ${why}${campaign ? ` (${campaign})` : ''}`
      : `Postponed${until ? ` until ${until}` : ''}: ${why}${campaign ? ` (${campaign})` : ''}`;
  },
  'decision.skip': ({ e, d, ctx, ru, topic, campaign }) => {
    const why = reasonText(e, d, topic, ctx);
    return ru
      ? `Не отправлено: ${why}${campaign ? ` (${campaign})` : ''}`
      : `Not sent: ${why}${campaign ? ` (${campaign})` : ''}`;
  },

  'delivery.sent': ({ ru, by, campaign }) =>
    ru ? `Отправлено ${join(by, campaign)}` : `Sent ${join(by, campaign)}`,
  'delivery.delivered': ({ ru, by, campaign }) =>
    ru ? `Доставлено ${join(by, campaign)}` : `Delivered ${join(by, campaign)}`,
  'delivery.bounced': ({ d, ru, by, campaign }) =>
    ru
      ? `Не доставлено ${join(by, campaign)}: ${str(d.bounceType) === 'soft' ? 'временный отказ' : 'адрес отклонил сообщение'}`
      : `Bounced ${join(by, campaign)}: ${str(d.bounceType) === 'soft' ? 'a temporary failure' : 'the address rejected the message'}`,
  'delivery.deferred': ({ e, d, ctx, ru, by, topic, campaign }) => {
    const until = dayTime(d.until, ctx);
    const why = e.reason ? reasonText(e, d, topic, ctx) : null;
    return ru
      ? `Отправка отложена${until ? ` до ${until}` : ''}${why ? `: ${why}` : ''} (${join(campaign, by)})`
      : `Sending postponed${until ? ` until ${until}` : ''}${why ? `: ${why}` : ''} (${join(campaign, by)})`;
  },
  'delivery.retry': ({ d, ctx, ru, by, campaign }) => {
    const until = dayTime(d.until, ctx);
    return ru
      ? `Временная ошибка отправки; повтор${until ? ` в ${until}` : ''} (${join(campaign, by)})`
      : `Temporary sending error; retry${until ? ` at ${until}` : ''} (${join(campaign, by)})`;
  },
  'delivery.soft_bounce': ({ ru, by, campaign }) =>
    ru
      ? `Временный отказ доставки (${join(campaign, by)})`
      : `Temporary delivery failure (${join(campaign, by)})`,
  'delivery.failed': ({ ru, by, campaign }) =>
    ru ? `Не удалось отправить ${join(by, campaign)}` : `Sending failed ${join(by, campaign)}`,
  'delivery.complained': ({ ru, by, campaign }) =>
    ru
      ? `Клиент пожаловался на сообщение (${join(campaign, by)}) — адрес заблокирован`
      : `The customer marked the message as spam (${join(campaign, by)}); the address is suppressed`,
  'delivery.feedback_ignored': ({ d, ru, by, campaign }) => {
    const complaint = d.report === 'complaint';
    return ru
      ? `${complaint ? 'Жалоба' : 'Отчёт о недоставке'} по сообщению (${join(campaign, by)}) называет другой адрес — не применён`
      : `A ${complaint ? 'complaint' : 'bounce report'} about the message (${join(campaign, by)}) named another address; ignored`;
  },
  'delivery.unknown': ({ ru, by, campaign }) =>
    ru
      ? `Судьба сообщения неизвестна после сбоя; повторно не отправляется (${join(campaign, by)})`
      : `Fate unknown after a crash; it is not sent again (${join(campaign, by)})`,
  'delivery.cancelled': ({ e, d, ctx, ru, by, topic, campaign }) =>
    ru
      ? `Отменено до отправки${e.reason ? `: ${reasonText(e, d, topic, ctx)}` : ''} (${join(campaign, by)})`
      : `Cancelled before sending${e.reason ? `: ${reasonText(e, d, topic, ctx)}` : ''} (${join(campaign, by)})`,

  'consent.granted': consent({ ru: 'Согласие получено', en: 'Consent given' }),
  'consent.confirmed': consent({ ru: 'Согласие подтверждено', en: 'Consent confirmed' }),
  'consent.withdrawn': consent({ ru: 'Согласие отозвано', en: 'Consent withdrawn' }),
  // The request is not a consent yet: its confirmation (or its absence) is what counts.
  'consent.confirmation_requested': asType,
  'preferences.changed': ({ e, d, ctx, ru }) => {
    if (d.unsubscribeAll === true)
      return ru
        ? 'Клиент отписался от всех рассылок на странице настроек'
        : 'The customer unsubscribed from everything on the preference page';
    const changes = Array.isArray(d.changes) ? (d.changes as Record<string, unknown>[]) : [];
    const parts = changes.map((c) => preferenceChange(c, e, ctx)).filter(Boolean);
    const head = ru ? 'Клиент изменил настройки' : 'The customer changed their preferences';
    return parts.length ? `${head}: ${parts.join('; ')}` : head;
  },
  'sms.keyword': ({ d, ru }) => {
    // As the customer wrote it («СТОП»); older rows only know the kind of keyword.
    const keyword = str(d.written) ?? (str(d.keyword) ?? '').toUpperCase();
    return ru ? `Клиент прислал SMS «${keyword}»` : `The customer texted “${keyword}”`;
  },
  'suppression.added': ({ e, ctx, ru }) => {
    const why = e.reason ? (SUPPRESSION[ctx.locale][e.reason] ?? e.reason) : null;
    return ru
      ? `Адрес заблокирован для ${channelWord(e.channel, ctx)}${why ? `: ${why}` : ''}`
      : `Address suppressed for ${channelWord(e.channel, ctx)}${why ? `: ${why}` : ''}`;
  },
  'suppression.lifted': ({ e, ctx, ru }) =>
    ru
      ? `Блокировка адреса снята (${channelWord(e.channel, ctx)})`
      : `Suppression lifted (${channelWord(e.channel, ctx)})`,

  'customer.created': customerRecord({ ru: 'Клиент добавлен', en: 'Customer record created' }),
  'customer.updated': customerRecord({
    ru: 'Данные клиента изменены',
    en: 'Customer record changed',
  }),
  // Imports and templates are the company's work, told in their own records.
  'import.started': asType,
  'import.completed': asType,
  'import.failed': asType,
  'template.created': asType,
  'template.versioned': asType,

  'admin.api_key_created': adminAction,
  'admin.api_key_revoked': adminAction,
  'admin.customer_erased': ({ ru }) =>
    ru
      ? 'Персональные данные клиента удалены; история осталась обезличенной'
      : 'Personal data erased; the history stays, pseudonymous',
  'admin.policy_changed': adminAction,
  'admin.topic_created': adminAction,
  'admin.topic_changed': adminAction,
  'admin.topic_archived': adminAction,

  // Outcomes.
  // The campaign report and the console tell why it paused itself; not the customer's story.
  'campaign.auto_paused': asType,
  'delivery.clicked': ({ d, ru, campaign }) => {
    const link = str(d.link) ?? '';
    return ru
      ? `Клиент перешёл по ссылке «${link}»${campaign ? ` (${campaign})` : ''}`
      : `Clicked «${link}»${campaign ? ` in ${campaign}` : ''}`;
  },

  // Replies and follow-ups.
  'follow_up.opened': ({ d, ru }) => {
    const reasons = Array.isArray(d.reasons)
      ? reasonWords(ru ? 'ru' : 'en', d.reasons.map(String))
      : '';
    return ru
      ? `Клиент ждёт ответа человека (${reasons}): продажи и рассылки приостановлены`
      : `The customer waits for a person (${reasons}); selling and content wait too`;
  },
  'customer.replied': ({ ru, by, campaign }) =>
    ru
      ? `Клиент ответил ${join(by, campaign)}: ответ передан сотруднику`
      : `The customer replied ${join(by, campaign)}; passed to a person`,
  'call.outcome': ({ e, ru, campaign }) => {
    const words: Record<string, [string, string]> = {
      answered: ['Звонок состоялся', 'The call was answered'],
      no_answer: ['На звонок не ответили', 'The call was not answered'],
      busy: ['Линия занята', 'The line was busy'],
      failed: ['Звонок не удался', 'The call failed'],
    };
    const [r, en] = words[e.reason ?? ''] ?? words.failed;
    return campaign ? `${ru ? r : en} (${campaign})` : ru ? r : en;
  },
  'follow_up.resolved': ({ ru }) =>
    ru ? 'Обращение решено: продажи снова возможны' : 'Follow-up resolved; selling may resume',

  // Integrations.
  'admin.webhook_created': ({ d, ru }) => {
    const events = Array.isArray(d.events) ? d.events.map(String).join(', ') : '';
    return ru
      ? `Подключён исходящий вебхук${events ? ` (события: ${events})` : ''}`
      : `Outbound webhook registered${events ? ` (events: ${events})` : ''}`;
  },
  'admin.webhook_deleted': ({ ru }) =>
    ru ? 'Исходящий вебхук удалён' : 'Outbound webhook deleted',
};

/** A readable sentence for one audit row, in Russian or English. */
export function sentence(e: SentenceInput, ctx: SentenceContext): string {
  const ru = ctx.locale === 'ru';
  const d = e.data ?? {};
  const row: Row = {
    e,
    d,
    ctx,
    ru,
    by: e.channel ? (CHANNEL_BY[ctx.locale][e.channel] ?? e.channel) : null,
    topic: topicName(e, d, ctx),
    campaign: e.campaignName
      ? ru
        ? `кампания «${e.campaignName}»`
        : `campaign “${e.campaignName}”`
      : null,
  };
  if (isAuditEventType(e.type)) return SENTENCES[e.type](row);
  // An older row may carry a type the vocabulary no longer lists.
  return e.type.startsWith('admin.') ? adminAction(row) : asType(row);
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
    // Outcomes: the customer's "don't track my clicks".
    case 'trackClicks':
      return c.to === false
        ? ru
          ? 'переходы по ссылкам не отслеживаются'
          : 'link clicks not tracked'
        : ru
          ? 'переходы по ссылкам отслеживаются'
          : 'link clicks tracked';
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

function topicName(e: SentenceInput, d: Record<string, unknown>, ctx: SentenceContext): string {
  const key = str(d.topic);
  if (key === '*') return ctx.locale === 'ru' ? 'все темы' : 'all topics';
  const title = e.topicTitle ?? key;
  if (!title) return ctx.locale === 'ru' ? 'рассылки' : 'messages';
  return ctx.locale === 'ru' ? `«${title}»` : title;
}
