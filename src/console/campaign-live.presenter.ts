import { allows, isActive } from '../campaigns/campaign-lifecycle';
import type { CampaignProgress } from '../campaigns/campaign-progress';
import type { CampaignView } from '../campaigns/campaign-view';
import { statusLabel } from './campaign-page.presenter';
import type { Texts } from './texts';

/** The campaign page's figures the script updates in place, by element id. */
export interface CampaignLive {
  status: string;
  statusLabel: string;
  /** While true the page keeps polling. */
  active: boolean;
  progress: Pick<
    CampaignProgress,
    'audience' | 'planned' | 'sent' | 'deferred' | 'failed' | 'unknown' | 'cancelled'
  >;
  /** The moves the marketer may make now (the page shows or hides its buttons). */
  moves: { launch: boolean; pause: boolean; resume: boolean; cancel: boolean };
  /** One sentence for screen readers, announced politely when status or sent changes. */
  summary: string;
}

/**
 * The live part of the campaign page as JSON (`GET /console/campaigns/:id/live`). An object
 * others may extend (results, say) without breaking the script, which reads only these keys.
 */
export function campaignLive(
  c: Pick<CampaignView, 'status'>,
  p: CampaignProgress,
  t: Texts,
  mayEdit: boolean,
): CampaignLive {
  const label = statusLabel(t, c.status) ?? c.status;
  return {
    status: c.status,
    statusLabel: label,
    active: isActive(c.status),
    progress: {
      audience: p.audience,
      planned: p.planned,
      sent: p.sent,
      deferred: p.deferred,
      failed: p.failed,
      unknown: p.unknown,
      cancelled: p.cancelled,
    },
    moves: {
      launch: mayEdit && allows(c.status, 'launch'),
      pause: mayEdit && allows(c.status, 'pause'),
      resume: mayEdit && allows(c.status, 'resume'),
      cancel: mayEdit && allows(c.status, 'cancel'),
    },
    summary: `${t.status}: ${label}. ${t.sent}: ${p.sent} / ${p.audience}.`,
  };
}
