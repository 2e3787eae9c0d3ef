import { progressState } from './progress-state';
import type { CampaignProgress } from '../campaigns/campaigns.service';

const base: CampaignProgress = {
  status: 'running',
  audience: 10,
  planned: 6,
  sent: 3,
  deferred: 2,
  failed: 0,
  unknown: 0,
  unknownMeaning: 'fate unknown after a crash; never re-sent',
  skipped: { no_consent: 3, budget_exhausted: 1 },
  cancelled: 0,
  byStatus: { sent: 3, planned: 3 },
  steps: [{ step: 0, status: 'planned', dueAt: new Date('2026-01-01T00:00:00Z'), audience: 10 }],
};

describe('campaign run: progress', () => {
  it('counts decided customers and the deliveries due now (deferred ones are not in flight)', () => {
    expect(progressState(base)).toEqual({
      decided: 10,
      skipped: 4,
      inFlight: 1,
      stepsPlanned: true,
    });
  });

  it('is still planning while a due step is being planned', () => {
    const p = {
      ...base,
      byStatus: { sending: 2 },
      steps: [{ ...base.steps[0], status: 'planning' }],
    };
    expect(progressState(p)).toEqual(expect.objectContaining({ inFlight: 2, stepsPlanned: false }));
  });
});
