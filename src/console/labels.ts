import type { Schedule } from '../planning/schedule';
import type { ConsoleLang } from './texts';

/** Words the console shows instead of keys, in both languages. */
const WORDS = {
  en: {
    goal: {
      engagement: 'engagement',
      retention: 'retention',
      winback: 'win-back',
      review: 'review request',
      announcement: 'announcement',
      care: 'care after purchase',
    },
    channel: { email: 'e-mail', sms: 'SMS', voice: 'call' },
    kind: { consumer: 'consumer', business: 'business contact' },
    now: 'at launch',
    once: 'once, at',
    trigger: (event: string, hours: number) =>
      `${hours} h after each ${event.replace(/_/g, ' ')} event`,
    every: 'every day',
    weekdays: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
    everyWeekday: (day: string) => `every ${day}`,
    monthly: (d: number) => `on day ${d} of every month`,
    at: 'at',
    zoneTime: (zone: string) => `${zone} time`,
  },
  ru: {
    goal: {
      engagement: 'вовлечение',
      retention: 'удержание',
      winback: 'возврат',
      review: 'просьба об отзыве',
      announcement: 'объявление',
      care: 'забота после покупки',
    },
    channel: { email: 'e-mail', sms: 'SMS', voice: 'звонок' },
    kind: { consumer: 'покупатель', business: 'деловой контакт' },
    now: 'сразу после запуска',
    once: 'однажды,',
    trigger: (event: string, hours: number) => `через ${hours} ч после события ${event}`,
    every: 'каждый день',
    weekdays: ['воскресенье', 'понедельник', 'вторник', 'среду', 'четверг', 'пятницу', 'субботу'],
    everyWeekday: (day: string) =>
      `${['среду', 'пятницу', 'субботу'].includes(day) ? 'каждую' : day === 'воскресенье' ? 'каждое' : 'каждый'} ${day}`,
    monthly: (d: number) => `${d}-го числа каждого месяца`,
    at: 'в',
    zoneTime: (zone: string) => `время ${zone}`,
  },
};

type Goal = keyof (typeof WORDS)['en']['goal'];

export const goalLabel = (lang: ConsoleLang, goal: string): string =>
  WORDS[lang].goal[goal as Goal] ?? goal;

export const kindLabel = (lang: ConsoleLang, kind: string): string =>
  WORDS[lang].kind[kind as 'consumer' | 'business'] ?? kind;

/** "e-mail, SMS and call" / "e-mail, SMS и звонок", in the campaign's order. */
export function channelList(lang: ConsoleLang, channels: readonly string[]): string {
  const names = channels.map((c) => WORDS[lang].channel[c as 'email' | 'sms' | 'voice'] ?? c);
  return new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }).format(names);
}

/** Count nouns: en [one, other], ru [one, few, many] ("1 получатель, 2 получателя, 5 получателей"). */
const NOUNS = {
  recipient: { en: ['recipient', 'recipients'], ru: ['получатель', 'получателя', 'получателей'] },
} as const;

/** "27 получателей" / "1 recipient": Intl.PluralRules picks the grammatical form. */
export function counted(lang: ConsoleLang, n: number, noun: keyof typeof NOUNS): string {
  const rule = new Intl.PluralRules(lang).select(n);
  const forms: readonly string[] = NOUNS[noun][lang];
  const form =
    lang === 'ru'
      ? rule === 'one'
        ? forms[0]
        : rule === 'few'
          ? forms[1]
          : forms[2]
      : rule === 'one'
        ? forms[0]
        : forms[1];
  return `${new Intl.NumberFormat(lang).format(n)} ${form}`;
}

const pad = (n: number) => String(n).padStart(2, '0');
const INT = /^\d{1,2}$/;

/**
 * Cron's common shapes in words ("every Monday at 10:00, Europe/Moscow time"): minute and
 * hour fixed, and either every day, one weekday or one day of the month. Anything else keeps
 * its cron text, with the zone named.
 */
function cronWords(lang: ConsoleLang, cron: string, zone: string): string {
  const w = WORDS[lang];
  const [min, hour, dom, month, dow, ...rest] = cron.trim().split(/\s+/);
  const zoneText = w.zoneTime(zone);
  const fallback = `cron ${cron} (${zoneText})`;
  if (rest.length || !INT.test(min ?? '') || !INT.test(hour ?? '') || month !== '*')
    return fallback;
  const m = Number(min);
  const h = Number(hour);
  if (m > 59 || h > 23) return fallback;
  const time = `${w.at} ${pad(h)}:${pad(m)}`;
  let when: string | null = null;
  if (dom === '*' && dow === '*') when = w.every;
  else if (dom === '*' && /^[0-7]$/.test(dow ?? ''))
    when = w.everyWeekday(w.weekdays[Number(dow) % 7]);
  else if (dow === '*' && INT.test(dom ?? '') && Number(dom) >= 1 && Number(dom) <= 31)
    when = w.monthly(Number(dom));
  return when === null ? fallback : `${when} ${time}, ${zoneText}`;
}

/** A campaign's schedule as a sentence; instants in the given zone, named. */
export function scheduleSentence(lang: ConsoleLang, s: Schedule, zone: string): string {
  const w = WORDS[lang];
  if (s.type === 'now') return w.now;
  if (s.type === 'cron') return cronWords(lang, s.cron, s.timezone);
  if (s.type === 'trigger') return w.trigger(s.event, s.delayHours);
  const at = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: zone,
  }).format(new Date(s.at));
  return `${w.once} ${at}, ${w.zoneTime(zone)}`;
}

const AUDIENCE_WORDS = {
  en: {
    everyone: 'everyone',
    nobody: 'nobody',
    and: ' and ',
    or: ' or ',
    not: 'not',
    ops: {
      eq: 'is',
      ne: 'is not',
      in: 'is one of',
      nin: 'is none of',
      gt: '>',
      gte: '≥',
      lt: '<',
      lte: '≤',
      contains: 'contains',
      set: 'is set',
      unset: 'is not set',
      withinDays: (n: unknown) => `within the last ${String(n)} days`,
      olderThanDays: (n: unknown) => `more than ${String(n)} days ago`,
    },
    fields: {
      kind: 'kind',
      locale: 'language',
      subscribedTo: 'subscribed to',
      lifecycleStage: 'lifecycle stage',
      lastPurchaseAt: 'last purchase',
      purchaseCount: 'purchases',
    } as Record<string, string>,
  },
  ru: {
    everyone: 'все клиенты',
    nobody: 'никто',
    and: ' и ',
    or: ' или ',
    not: 'не',
    ops: {
      eq: '=',
      ne: '≠',
      in: 'одно из',
      nin: 'ни одно из',
      gt: '>',
      gte: '≥',
      lt: '<',
      lte: '≤',
      contains: 'содержит',
      set: 'указано',
      unset: 'не указано',
      withinDays: (n: unknown) => `за последние ${String(n)} дн.`,
      olderThanDays: (n: unknown) => `более ${String(n)} дн. назад`,
    },
    fields: {
      kind: 'тип клиента',
      locale: 'язык',
      subscribedTo: 'подписан на',
      lifecycleStage: 'этап',
      lastPurchaseAt: 'последняя покупка',
      purchaseCount: 'покупок',
    } as Record<string, string>,
  },
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An audience filter as a sentence ("kind is business and language is ru"); depth-limited. */
export function audienceSentence(lang: ConsoleLang, filter: unknown, depth = 0): string {
  const w = AUDIENCE_WORDS[lang];
  if (!isRecord(filter) || depth > 8) return JSON.stringify(filter) ?? '';
  const group = (items: unknown[], sep: string) =>
    items
      .map((f) => {
        const text = audienceSentence(lang, f, depth + 1);
        return isRecord(f) && (Array.isArray(f.all) || Array.isArray(f.any)) ? `(${text})` : text;
      })
      .join(sep);
  if (Object.keys(filter).length === 0) return w.everyone;
  if (Array.isArray(filter.all)) return filter.all.length ? group(filter.all, w.and) : w.everyone;
  if (Array.isArray(filter.any)) return filter.any.length ? group(filter.any, w.or) : w.nobody;
  if (filter.not !== undefined)
    return `${w.not} (${audienceSentence(lang, filter.not, depth + 1)})`;
  const field = typeof filter.field === 'string' ? filter.field : '?';
  const name = w.fields[field] ?? field;
  const value = filter.value;
  const shown = (v: unknown) =>
    Array.isArray(v)
      ? v.map((x) => String(x)).join(', ')
      : typeof v === 'string'
        ? v
        : JSON.stringify(v);
  switch (filter.op) {
    case 'exists':
      return `${name} ${value === false ? w.ops.unset : w.ops.set}`;
    case 'withinDays':
      return `${name} ${w.ops.withinDays(value)}`;
    case 'olderThanDays':
      return `${name} ${w.ops.olderThanDays(value)}`;
    default: {
      const op = w.ops[filter.op as 'eq'] ?? String(filter.op);
      return `${name} ${op} ${shown(value)}`;
    }
  }
}

/** Statuses, locales and audit event types the console shows in words (Russian; English as is). */
const STATUS_RU: Record<string, string> = {
  // Campaign steps.
  pending: 'ожидает',
  planning: 'планируется',
  // Deliveries and webhook attempts.
  planned: 'запланировано',
  sending: 'отправляется',
  sent: 'отправлено',
  delivered: 'доставлено',
  bounced: 'не доставлено (отказ)',
  failed: 'ошибка',
  complained: 'жалоба',
  cancelled: 'отменено',
  unknown: 'неизвестно',
};

const STATUS_EN: Record<string, string> = { bounced: 'bounced', complained: 'complaint' };

/** A campaign step's or a delivery's status in words. */
export const deliveryStatusLabel = (lang: ConsoleLang, status: string | null): string =>
  status === null
    ? '—'
    : ((lang === 'ru' ? STATUS_RU[status] : STATUS_EN[status]) ?? status.replace(/_/g, ' '));

/** A locale by its language's name: "Russian" / "русский". */
export function localeLabel(lang: ConsoleLang, locale: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'language' }).of(locale) ?? locale;
  } catch {
    return locale;
  }
}

const EVENT_GROUP_RU: Record<string, string> = {
  campaign: 'кампания',
  decision: 'решение',
  delivery: 'доставка',
  consent: 'согласие',
  preferences: 'предпочтения',
  sms: 'SMS',
  suppression: 'блокировка',
  customer: 'клиент',
  import: 'импорт',
  template: 'шаблон',
  admin: 'администрирование',
};
const EVENT_ACTION_RU: Record<string, string> = {
  created: 'создана',
  updated: 'изменена',
  launched: 'запущена',
  running: 'идёт',
  step_planned: 'шаг запланирован',
  completed: 'завершена',
  paused: 'приостановлена',
  auto_paused: 'приостановлена автоматически',
  resumed: 'возобновлена',
  cancelled: 'отменена',
  send: 'отправить',
  defer: 'отложить',
  skip: 'пропустить',
  sent: 'отправлено',
  delivered: 'доставлено',
  deferred: 'отложено',
  retry: 'повтор',
  unknown: 'исход неизвестен',
  failed: 'ошибка',
  bounced: 'отказ',
  soft_bounce: 'временный отказ',
  complained: 'жалоба',
  feedback_ignored: 'отзыв проигнорирован',
  granted: 'дано',
  withdrawn: 'отозвано',
  confirmed: 'подтверждено',
  confirmation_requested: 'запрошено подтверждение',
  changed: 'изменены',
  keyword: 'ключевое слово',
  added: 'добавлена',
  lifted: 'снята',
  started: 'начат',
  versioned: 'новая версия',
  api_key_created: 'создан API-ключ',
  api_key_revoked: 'отозван API-ключ',
  customer_erased: 'клиент стёрт',
  policy_changed: 'изменена политика',
  topic_created: 'создана тема',
  topic_changed: 'изменена тема',
  topic_archived: 'тема в архиве',
};

/** An audit event type as words: "кампания: запущена" / "campaign launched". */
export function eventTypeLabel(lang: ConsoleLang, type: string): string {
  const [group, action] = type.split('.', 2);
  if (!action) return type;
  if (lang === 'en') return `${group} ${action.replace(/_/g, ' ')}`;
  const g = EVENT_GROUP_RU[group];
  const a = EVENT_ACTION_RU[action];
  return g && a ? `${g}: ${a}` : type;
}
