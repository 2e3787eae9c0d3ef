import type { CampaignProgress } from '../campaigns/campaign-progress';
import type { CampaignView } from '../campaigns/campaigns.service';
import { campaignListRow, percentSent } from './campaign-list.presenter';
import { TEXTS } from './texts';

const progress = (over: Partial<CampaignProgress> = {}): CampaignProgress => ({
  status: 'running',
  audience: 0,
  planned: 0,
  sent: 0,
  deferred: 0,
  failed: 0,
  unknown: 0,
  unknownMeaning: '',
  skipped: {},
  cancelled: 0,
  byStatus: {},
  steps: [],
  ...over,
});

describe('console campaigns list presenter', () => {
  it('shows sent against the audience: planned, deferred, skipped or failed are not sent', () => {
    expect(percentSent(progress({ audience: 10, sent: 1 }))).toBe(10);
    expect(percentSent(progress({ audience: 10, failed: 2, cancelled: 4 }))).toBe(0);
    expect(percentSent(progress({ audience: 10, skipped: { no_consent: 5 } }))).toBe(0);
    expect(percentSent(progress({ audience: 10, deferred: 5, planned: 9 }))).toBe(0);
    expect(percentSent(progress({ audience: 3, sent: 250 }))).toBe(100);
    expect(percentSent(progress())).toBe(0);
    expect(percentSent(progress({ audience: 300, sent: 2 }))).toBe(1);
  });

  it('shows a draft without progress and a launched campaign with its label and date', () => {
    const c = {
      id: 'c1',
      name: 'Spring',
      status: 'draft',
      createdAt: new Date('2026-04-01T10:00:00Z'),
    } as CampaignView;
    expect(campaignListRow(c, null, TEXTS.en, 'en')).toMatchObject({
      id: 'c1',
      statusLabel: TEXTS.en.status_draft,
      progress: null,
      percent: 0,
      created: '1 Apr 2026, 10:00 (UTC)',
    });
    const p = progress({ audience: 4, sent: 1 });
    const running = campaignListRow({ ...c, status: 'running' }, p, TEXTS.ru, 'ru');
    expect(running).toMatchObject({
      statusLabel: TEXTS.ru.status_running,
      progress: p,
      percent: 25,
      summary: '4 получателя, 1 отправлено',
    });
  });
});
