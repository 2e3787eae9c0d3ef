import type Handlebars from 'handlebars';
import { DateTime, IANAZone } from 'luxon';
import type { RenderProblem } from './template-problems';

/** Per-render state, carried in Handlebars' `data` (frames copy it by reference). */
export interface RenderState {
  locale: string;
  timezone: string;
  now: Date;
  preview: boolean;
  problems: RenderProblem[];
}

/** Helpers that only test a value: null, empty and (under customer.attributes) absent are fine. */
export const TEST_HELPERS = new Set(['if', 'unless', 'each', 'with', 'default', 'eq', 'lookup']);
/** Helpers that use a value: it must be there. */
export const VALUE_HELPERS = new Set(['date', 'plural', 'money', 'number', 'daysUntil']);

interface Options {
  hash: Record<string, unknown>;
  data?: { tactful?: RenderState };
  loc?: { start: { line: number; column: number } };
}

/** What a value-using helper gets (and passes on) instead of a value already reported missing. */
class Missing {
  constructor(readonly name: string) {}
}
const isMissing = (v: unknown): v is Missing => v instanceof Missing;

function state(options: Options): RenderState {
  const s = options.data?.tactful;
  if (!s) throw new Error('template rendered without its render state');
  return s;
}

function report(options: Options, variable: string, message: string): Missing {
  const s = state(options);
  const partial = typeof options.hash.partial === 'string' ? options.hash.partial : undefined;
  s.problems.push({
    variable,
    message,
    line: options.loc?.start.line ?? 1,
    column: (options.loc?.start.column ?? 0) + 1,
    ...(partial ? { partial } : {}),
  });
  return new Missing(variable);
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Absent attributes are ordinary data: customers differ in what the CRM knows about them. */
const isAttribute = (name: string) => /^(@root\.)?customer\.attributes\./.test(name);

function toDate(value: unknown, zone: string): DateTime | null {
  let dt: DateTime | null = null;
  if (value instanceof Date) dt = DateTime.fromJSDate(value);
  else if (typeof value === 'string') dt = DateTime.fromISO(value, { setZone: false });
  else if (typeof value === 'number') dt = DateTime.fromMillis(value);
  if (!dt || !dt.isValid) return null;
  return dt.setZone(IANAZone.isValidZone(zone) ? zone : 'UTC');
}

const DATE_FORMATS: Record<string, Intl.DateTimeFormatOptions> = {
  long: DateTime.DATE_FULL,
  short: DateTime.DATE_SHORT,
  medium: DateTime.DATE_MED,
  datetime: { ...DateTime.DATE_FULL, hour: '2-digit', minute: '2-digit' },
  time: DateTime.TIME_SIMPLE,
  weekday: { weekday: 'long', day: 'numeric', month: 'long' },
  month: { month: 'long', year: 'numeric' },
};

function toNumber(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

export function formatDate(
  value: unknown,
  format: string,
  locale: string,
  timezone: string,
): string | null {
  const dt = toDate(value, timezone);
  const f = DATE_FORMATS[format];
  if (!dt || !f) return null;
  return dt.setLocale(locale).toLocaleString(f);
}

const pluralRules = new Map<string, Intl.PluralRules>();
const numberFormats = new Map<string, Intl.NumberFormat>();

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (!value) {
    value = make();
    if (map.size < 1000) map.set(key, value);
  }
  return value;
}

const formatNumber = (locale: string, n: number) =>
  cached(numberFormats, locale, () => new Intl.NumberFormat(locale)).format(n);

/** `one`, `few`, `many`, `other` (and `zero`, `two`) as Intl.PluralRules names them. */
export function pluralWord(n: number, locale: string, forms: Record<string, unknown>) {
  const rule = cached(pluralRules, locale, () => new Intl.PluralRules(locale)).select(n);
  const word = forms[rule] ?? forms.other;
  return typeof word === 'string' ? word : null;
}

/** Whole calendar days from now until the date, in the customer's zone. */
export function daysUntil(value: unknown, now: Date, timezone: string): number | null {
  const dt = toDate(value, timezone);
  if (!dt) return null;
  const today = DateTime.fromJSDate(now).setZone(dt.zone).startOf('day');
  return Math.round(dt.startOf('day').diff(today, 'days').days);
}

type Helper = (...args: unknown[]) => unknown;

/** Splits Handlebars' arguments into the positional ones and the options object. */
const wrap =
  (fn: (args: unknown[], options: Options) => unknown): Helper =>
  (...all: unknown[]) =>
    fn(all.slice(0, -1), all[all.length - 1] as Options);

export function registerTemplateHelpers(env: typeof Handlebars): void {
  const helpers: Record<string, Helper> = {
    // Every output {{x}} goes through here (see Rewriter): no value → a problem, never a hole.
    __value: wrap(([value], o) => {
      const name = String(o.hash.name);
      const preview = state(o).preview;
      if (isMissing(value)) return preview ? `⟦${value.name}⟧` : '';
      const marker = preview ? `⟦${name}⟧` : '';
      if (isEmpty(value)) {
        report(o, name, `${name} is missing or empty`);
        return marker;
      }
      if (value instanceof Date) {
        report(o, name, `${name} is a date; write {{date ${name}}}`);
        return marker;
      }
      if (typeof value === 'object' && !('toHTML' in (value as object))) {
        report(o, name, `${name} is not a text; name one of its fields`);
        return marker;
      }
      return value;
    }),
    // Every path given to a helper goes through here.
    __arg: wrap(([value], o) => {
      const name = String(o.hash.name);
      if (o.hash.test === true) {
        if (value === undefined && !isAttribute(name)) {
          report(o, name, `${name} is not defined`);
        }
        return value;
      }
      if (isEmpty(value)) {
        return report(o, name, `${name} is ${value === undefined ? 'not defined' : 'empty'}`);
      }
      return value;
    }),
    date: wrap(([value, format], o) => {
      if (isMissing(value)) return value;
      const s = state(o);
      const f = typeof format === 'string' ? format : 'long';
      if (!DATE_FORMATS[f]) {
        return report(o, 'date', `date format "${f}" is not one of ${Object.keys(DATE_FORMATS)}`);
      }
      const out = formatDate(value, f, s.locale, s.timezone);
      return out ?? report(o, 'date', `date needs a date; got ${JSON.stringify(value)}`);
    }),
    daysUntil: wrap(([value], o) => {
      if (isMissing(value)) return value;
      const s = state(o);
      const days = daysUntil(value, s.now, s.timezone);
      return days ?? report(o, 'daysUntil', `daysUntil needs a date; got ${JSON.stringify(value)}`);
    }),
    plural: wrap(([value], o) => {
      if (isMissing(value)) return value;
      const n = toNumber(value);
      if (n === null)
        return report(o, 'plural', `plural needs a number; got ${JSON.stringify(value)}`);
      const s = state(o);
      const word = pluralWord(n, s.locale, o.hash);
      if (word === null) return report(o, 'plural', 'plural needs at least other="…"');
      if (o.hash.count === false) return word;
      return `${formatNumber(s.locale, n)} ${word}`;
    }),
    number: wrap(([value], o) => {
      if (isMissing(value)) return value;
      const n = toNumber(value);
      if (n === null)
        return report(o, 'number', `number needs a number; got ${JSON.stringify(value)}`);
      return formatNumber(state(o).locale, n);
    }),
    money: wrap(([value, currency], o) => {
      if (isMissing(value)) return value;
      if (isMissing(currency)) return currency;
      const n = toNumber(value);
      if (n === null)
        return report(o, 'money', `money needs an amount; got ${JSON.stringify(value)}`);
      if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
        return report(o, 'money', 'money needs an ISO currency code such as "RUB" or "EUR"');
      }
      const decimals = toNumber(o.hash.decimals);
      return new Intl.NumberFormat(state(o).locale, {
        style: 'currency',
        currency: currency.toUpperCase(),
        ...(decimals !== null
          ? { minimumFractionDigits: decimals, maximumFractionDigits: decimals }
          : {}),
      }).format(n);
    }),
    default: wrap(([value, fallback]) => (isEmpty(value) ? fallback : value)),
    eq: wrap(([a, b]) => a === b),
  };
  for (const [name, fn] of Object.entries(helpers)) env.registerHelper(name, fn);
}
