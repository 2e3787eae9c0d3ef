import type { CampaignProgress } from '../campaigns/campaign-progress';
import type { CampaignView } from '../campaigns/campaign-view';
import { statusLabel } from './campaign-page.presenter';
import { counted, goalLabel } from './labels';
import { fmtDate } from './page';
import type { Texts } from './texts';

/** Share of the audience already sent to (not planned, skipped or failed): what the bar shows. */
export function percentSent(p: CampaignProgress): number {
  const total = Math.max(p.audience, p.sent);
  return total ? Math.round((p.sent / total) * 100) : 0;
}

/** One row of the campaigns list; a draft has no progress. */
export function campaignListRow(
  c: CampaignView,
  p: CampaignProgress | null,
  t: Texts,
  lang: 'ru' | 'en',
  topicTitle: string = c.topic,
  zone = 'UTC',
) {
  return {
    ...c,
    statusLabel: statusLabel(t, c.status),
    topicTitle,
    goalLabel: goalLabel(lang, c.goal),
    progress: p,
    percent: p ? percentSent(p) : 0,
    // "27 получателей, 0 отправлено": the count agrees with its noun.
    summary: p ? `${counted(lang, p.audience, 'recipient')}, ${p.sent} ${t.sent}` : '',
    created: fmtDate(c.createdAt, lang, zone),
  };
}
