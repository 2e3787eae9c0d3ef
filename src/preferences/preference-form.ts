import { DateTime } from 'luxon';
import type { PageLang } from '../mail/system-mail';
import type { Channel, MaxFrequency } from '../policy/engine';

export const MAX_FREQUENCIES: readonly MaxFrequency[] = ['quarter', 'half_year', 'year'];
/** A pause longer than this is almost certainly a typo (year 2206); unsubscribing is the tool. */
const MAX_PAUSE_YEARS = 2;

/** What the customer can choose on the page. `channels` empty = no restriction. */
export interface PreferenceChoices {
  /** `${topic}:${channel}` → on/off, for the pairs shown on the page. */
  topics: Map<string, boolean>;
  channels: Channel[];
  maxFrequency: MaxFrequency | null;
  /** Start of the chosen day in the customer's time zone; null = not paused. */
  pausedUntil: Date | null;
  /** Whether links in their messages may be tracked; null when the form did not show the box. */
  trackClicks: boolean | null;
}

export const pairKey = (topic: string, channel: Channel) => `${topic}:${channel}`;

const ERRORS: Record<PageLang, Record<string, string>> = {
  ru: {
    channels:
      'Каналы (channels): выберите хотя бы один канал или нажмите «Отписаться от всего» ниже.',
    maxFrequency: 'Частота (maxFrequency): выберите один из предложенных вариантов.',
    dateFormat:
      'Пауза до (pausedUntil): «{v}» — не дата; введите её как ГГГГ-ММ-ДД или ДД.ММ.ГГГГ.',
    datePast: 'Пауза до (pausedUntil): дата должна быть в будущем.',
    dateFar: 'Пауза до (pausedUntil): пауза возможна не больше чем на два года.',
  },
  en: {
    channels:
      'Channels (channels): choose at least one channel, or press “Unsubscribe from everything” below.',
    maxFrequency: 'How often (maxFrequency): choose one of the options.',
    dateFormat:
      'Pause until (pausedUntil): “{v}” is not a date; enter it as YYYY-MM-DD or DD.MM.YYYY.',
    datePast: 'Pause until (pausedUntil): the date must be in the future.',
    dateFar: 'Pause until (pausedUntil): a pause can last at most two years.',
  },
};

const field = (body: Record<string, unknown>, name: string): string | undefined => {
  const v = body[name];
  if (typeof v === 'string') return v;
  // A repeated field arrives as an array; the first one counts.
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
};

const list = (body: Record<string, unknown>, name: string): string[] => {
  const v = body[name];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};

/** `2027-01-15` or `15.01.2027` as the start of that day in `zone`; null when not a real date. */
export function parseDay(value: string, zone: string): DateTime | null {
  const v = value.trim();
  let d: DateTime;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) d = DateTime.fromISO(v, { zone });
  else if (/^\d{1,2}\.\d{1,2}\.\d{4}$/.test(v)) d = DateTime.fromFormat(v, 'd.M.yyyy', { zone });
  else return null;
  return d.isValid ? d.startOf('day') : null;
}

export interface FormContext {
  lang: PageLang;
  timezone: string;
  now: Date;
  /** The topic × channel pairs the page can show. */
  pairs: readonly { topic: string; channel: Channel }[];
  reachable: readonly Channel[];
}

export type ParsedForm =
  { ok: true; choices: PreferenceChoices; shown: Set<string> } | { ok: false; errors: string[] };

/**
 * Reads the urlencoded preference form. Only pairs the page listed in its hidden `shown`
 * fields change, so a topic added after the page was opened is never switched off unseen.
 */
export function parsePreferenceForm(body: Record<string, unknown>, ctx: FormContext): ParsedForm {
  const t = ERRORS[ctx.lang];
  const errors: string[] = [];
  const known = new Set(ctx.pairs.map((p) => pairKey(p.topic, p.channel)));
  const shown = new Set(
    list(body, 'shown')
      .map((s) => s.replace(/^topic:/, ''))
      .filter((s) => known.has(s)),
  );
  const topics = new Map<string, boolean>();
  for (const key of shown) topics.set(key, field(body, `topic:${key}`) === 'on');

  const checked = ctx.reachable.filter((c) => field(body, `channel:${c}`) === 'on');
  if (ctx.reachable.length > 0 && checked.length === 0) errors.push(t.channels);
  const channels = checked.length === ctx.reachable.length ? [] : checked;

  const freq = (field(body, 'maxFrequency') ?? '').trim();
  let maxFrequency: MaxFrequency | null = null;
  if (freq !== '' && freq !== 'none') {
    if ((MAX_FREQUENCIES as readonly string[]).includes(freq)) maxFrequency = freq as MaxFrequency;
    else errors.push(t.maxFrequency);
  }

  const pause = (field(body, 'pausedUntil') ?? '').trim();
  let pausedUntil: Date | null = null;
  if (pause !== '') {
    const day = parseDay(pause, ctx.timezone);
    const today = DateTime.fromJSDate(ctx.now, { zone: ctx.timezone }).startOf('day');
    if (!day) errors.push(t.dateFormat.replace('{v}', pause.slice(0, 40)));
    else if (day <= today) errors.push(t.datePast);
    else if (day > today.plus({ years: MAX_PAUSE_YEARS })) errors.push(t.dateFar);
    else pausedUntil = day.toJSDate();
  }
  // Only a form that showed the box may change it: an older page cannot undo an opt-out.
  const trackClicks =
    field(body, 'clicksShown') === '1' ? field(body, 'noClickTracking') !== 'on' : null;
  if (errors.length) return { ok: false, errors };
  return { ok: true, choices: { topics, channels, maxFrequency, pausedUntil, trackClicks }, shown };
}
