import { DateTime } from 'luxon';
import type { Settings } from '../config/settings';
import type { PageLang } from '../mail/system-mail';
import type { Channel, MaxFrequency } from '../policy/engine';
import { csrfTokenFor } from './csrf';
import { MAX_FREQUENCIES, pairKey, type PreferenceChoices } from './preference-form';
import { customerZone, type Loaded, type PreferenceTarget } from './preference-state';
import { fill, PAGE_TEXTS } from './preferences.texts';
import { renderPage } from './pages';
import { cadenceText, CHANNEL_LABELS, localized } from './topic-texts';

/** One change, for the page (localized) and the audit (codes only, no personal data). */
export interface Change {
  field: 'topic' | 'channels' | 'maxFrequency' | 'pausedUntil' | 'trackClicks';
  topic?: string;
  channel?: Channel;
  from: unknown;
  to: unknown;
  text: string;
}

/** What the page says above the form: the changes saved, the errors, or unsubscribed-all. */
export interface PageNotes {
  changes?: Change[];
  errors?: string[];
  unsubscribedAll?: boolean;
}

export function frequencyLabel(company: string, lang: PageLang, f: MaxFrequency | null): string {
  return fill(PAGE_TEXTS[lang][`freq_${f ?? 'none'}`], { company });
}

/** A date in the customer's zone and language. */
export function dayText(target: PreferenceTarget, d: Date): string {
  return DateTime.fromJSDate(d, { zone: customerZone(target.customer) })
    .setLocale(target.lang)
    .toLocaleString(DateTime.DATE_FULL);
}

/** The preference page as HTML, showing `shown` (the saved choices or the refused form). */
export function renderPreferencePage(
  settings: Pick<Settings, 'company' | 'secret'>,
  now: Date,
  target: PreferenceTarget,
  loaded: Loaded,
  shown: PreferenceChoices,
  notes: PageNotes,
): string {
  const { lang, customer } = target;
  const t = PAGE_TEXTS[lang];
  const labels = CHANNEL_LABELS[lang];
  const zone = customerZone(customer);
  const pause =
    shown.pausedUntil && shown.pausedUntil.getTime() > now.getTime()
      ? DateTime.fromJSDate(shown.pausedUntil, { zone }).toISODate()
      : '';
  return renderPage('preferences', {
    lang,
    t,
    company: settings.company,
    name: customer.name,
    action: `/p/${target.token}`,
    csrf: csrfTokenFor(settings.secret, target.token),
    errors: notes.errors ?? null,
    changes: notes.changes ? notes.changes.map((c) => c.text) : null,
    nothingChanged: notes.changes !== undefined && notes.changes.length === 0,
    unsubscribedAll: notes.unsubscribedAll === true,
    hasChannels: loaded.reachable.length > 0,
    topics: loaded.topics.map((tp) => {
      const title = localized(tp.title, lang) || tp.key;
      return {
        key: tp.key,
        title,
        description: localized(tp.description, lang) || null,
        cadence: cadenceText(tp.cadence_days, lang),
        channels: loaded.reachable.map((channel) => ({
          id: `topic-${tp.key}-${channel}`,
          name: `topic:${tp.key}:${channel}`,
          shown: `topic:${tp.key}:${channel}`,
          label: labels[channel],
          checkedAttr: shown.topics.get(pairKey(tp.key, channel)) === true ? 'checked' : '',
          pending: loaded.pending.has(pairKey(tp.key, channel)) ? t[`pending_${channel}`] : null,
        })),
      };
    }),
    channels: loaded.reachable.map((channel) => ({
      id: `channel-${channel}`,
      name: `channel:${channel}`,
      label: labels[channel],
      checkedAttr: shown.channels.length === 0 || shown.channels.includes(channel) ? 'checked' : '',
    })),
    frequencies: [null, ...MAX_FREQUENCIES].map((f) => ({
      id: `frequency-${f ?? 'none'}`,
      value: f ?? 'none',
      label: frequencyLabel(settings.company.name, lang, f),
      checkedAttr: shown.maxFrequency === f ? 'checked' : '',
    })),
    pause,
    noClickTrackingAttr: shown.trackClicks === false ? 'checked' : '',
  });
}
