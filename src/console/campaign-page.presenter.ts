import type { CampaignForecast } from '../campaigns/campaign-forecast.service';
import { allows, isActive, type CampaignStatus } from '../campaigns/campaign-lifecycle';
import type { CampaignProgress } from '../campaigns/campaign-progress';
import type { CampaignView } from '../campaigns/campaign-view';
import { horizontalBars } from './charts';
import { fmtDate } from './page';
import type { Texts } from './texts';

/** Statuses in which a forecast is still worth showing (nothing planned yet, or on hold). */
const FORECAST_FOR: readonly string[] = ['draft', 'scheduled', 'paused'];

export const statusLabel = (t: Texts, status: string) =>
  (t as Record<string, string>)[`status_${status}`];

export const reasonLabel = (t: Texts, code: string) =>
  (t as Record<string, string>)[`reason_${code}`] ?? code;

export const showsForecast = (c: Pick<CampaignView, 'status'>) => FORECAST_FOR.includes(c.status);

/** The forecast as the page shows it: one bar for sending, one per defer and skip reason. */
export function forecastView(f: CampaignForecast, t: Texts, lang: 'ru' | 'en', zone = 'UTC') {
  const items = [
    { label: t.willSend, value: f.send, kind: 'send' as const },
    ...Object.entries(f.deferReasons).map(([r, n]) => ({
      label: `${t.deferred}: ${reasonLabel(t, r)}`,
      value: n ?? 0,
      kind: 'defer' as const,
    })),
    ...Object.entries(f.skip).map(([r, n]) => ({
      label: `${t.skipped}: ${reasonLabel(t, r)}`,
      value: n ?? 0,
      kind: 'skip' as const,
    })),
  ];
  return {
    audience: f.audience,
    at: fmtDate(f.at, lang, zone),
    bars: horizontalBars(items),
    competitors: f.competitors,
    content: f.content ?? null,
    contentHigh: f.content?.level === 'high',
    contentProblems: f.contentProblems ?? [],
  };
}

/** One bar per skip reason of the progress. */
export const skippedBars = (p: CampaignProgress, t: Texts) =>
  horizontalBars(
    Object.entries(p.skipped).map(([r, n]) => ({
      label: reasonLabel(t, r),
      value: n,
      kind: 'skip' as const,
    })),
  );

/**
 * What the campaign page offers, from its status (by the campaign lifecycle: a button for each
 * move the API would allow) and whether the user may edit campaigns.
 */
export function campaignControls(status: CampaignStatus, mayEdit: boolean) {
  const active = isActive(status);
  return {
    active,
    mayEdit,
    canEdit: mayEdit && allows(status, 'edit'),
    canLaunch: mayEdit && allows(status, 'launch'),
    canPause: mayEdit && allows(status, 'pause'),
    canResume: mayEdit && allows(status, 'resume'),
    canCancel: mayEdit && allows(status, 'cancel'),
  };
}

/** The campaign's dates and steps, formatted. */
export const campaignDates = (
  c: CampaignView,
  p: CampaignProgress,
  lang: 'ru' | 'en',
  zone = 'UTC',
) => ({
  launched: fmtDate(c.launchedAt, lang, zone),
  finished: fmtDate(c.finishedAt, lang, zone),
  steps: p.steps.map((s) => ({ ...s, due: fmtDate(s.dueAt, lang, zone) })),
});
