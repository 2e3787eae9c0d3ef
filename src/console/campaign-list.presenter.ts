import type { CampaignProgress } from '../campaigns/campaign-progress';
import type { CampaignView } from '../campaigns/campaign-view';
import { statusLabel } from './campaign-page.presenter';
import { fmtDate } from './page';
import type { Texts } from './texts';

/** Share of the audience whose fate is settled (sent, failed, unknown, cancelled or skipped). */
export function percentDone(p: CampaignProgress): number {
  const done =
    p.sent +
    p.failed +
    p.unknown +
    p.cancelled +
    Object.values(p.skipped).reduce((a, n) => a + n, 0);
  const total = Math.max(p.audience, done);
  return total ? Math.round((done / total) * 100) : 0;
}

/** One row of the campaigns list; a draft has no progress. */
export function campaignListRow(
  c: CampaignView,
  p: CampaignProgress | null,
  t: Texts,
  lang: 'ru' | 'en',
) {
  return {
    ...c,
    statusLabel: statusLabel(t, c.status),
    progress: p,
    percent: p ? percentDone(p) : 0,
    created: fmtDate(c.createdAt, lang),
  };
}
