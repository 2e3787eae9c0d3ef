import type { CampaignForecast } from '../campaigns/campaign-forecast.service';
import type { CampaignProgress } from '../campaigns/campaign-progress';
import { CAMPAIGN_STATUSES } from '../campaigns/campaign-rules';
import {
  campaignControls,
  forecastView,
  showsForecast,
  skippedBars,
} from './campaign-page.presenter';
import { TEXTS } from './texts';

describe('console campaign page presenter', () => {
  const t = TEXTS.en;

  it('offers each control only in the statuses where the API allows it, and only to editors', () => {
    const offered = Object.fromEntries(
      CAMPAIGN_STATUSES.map((s) => {
        const c = campaignControls(s, true);
        const names = ['canEdit', 'canLaunch', 'canPause', 'canResume', 'canCancel'] as const;
        return [s, [c.active ? 'active' : '', ...names.filter((n) => c[n])].filter(Boolean)];
      }),
    );
    expect(offered).toEqual({
      draft: ['canEdit', 'canLaunch', 'canCancel'],
      scheduled: ['active', 'canPause', 'canCancel'],
      running: ['active', 'canPause', 'canCancel'],
      paused: ['canResume', 'canCancel'],
      completed: [],
      cancelled: [],
    });
    for (const s of CAMPAIGN_STATUSES) {
      const c = campaignControls(s, false);
      expect([c.canEdit, c.canLaunch, c.canPause, c.canResume, c.canCancel]).toEqual([
        false,
        false,
        false,
        false,
        false,
      ]);
      expect(c.active).toBe(['scheduled', 'running'].includes(s));
    }
    expect(CAMPAIGN_STATUSES.filter((s) => showsForecast({ status: s }))).toEqual([
      'draft',
      'scheduled',
      'paused',
    ]);
  });

  it('draws the forecast as bars: sending, then each defer and skip reason, labelled', () => {
    const f = {
      audience: 10,
      send: 6,
      deferReasons: { quiet_hours: 2 },
      skip: { no_consent: 1, made_up_reason: 1 },
      at: new Date('2026-01-01T00:00:00Z'),
      competitors: [],
      content: { level: 'high' },
    } as unknown as CampaignForecast;
    const v = forecastView(f, t, 'en');
    expect(v.bars.map((b) => [b.label, b.value, b.kind, b.width])).toEqual([
      [t.willSend, 6, 'send', '100%'],
      [`${t.deferred}: ${t.reason_quiet_hours}`, 2, 'defer', '33%'],
      [`${t.skipped}: ${t.reason_no_consent}`, 1, 'skip', '17%'],
      [`${t.skipped}: made_up_reason`, 1, 'skip', '17%'],
    ]);
    expect(v).toMatchObject({ audience: 10, contentHigh: true, contentProblems: [] });
    expect(v.at).toBe('1 Jan 2026, 00:00 (UTC)');
  });

  it('draws one bar per skip reason of the progress', () => {
    const bars = skippedBars(
      { skipped: { no_consent: 4, unknown: 2 } } as unknown as CampaignProgress,
      t,
    );
    expect(bars).toEqual([
      { label: t.reason_no_consent, value: 4, kind: 'skip', width: '100%' },
      { label: 'unknown', value: 2, kind: 'skip', width: '50%' },
    ]);
  });
});
