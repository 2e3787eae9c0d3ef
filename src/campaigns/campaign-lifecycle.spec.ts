import {
  allows,
  auditTypeOf,
  CAMPAIGN_STATUSES,
  isActive,
  refusal,
  systemMove,
  targetOf,
  type CampaignAction,
} from './campaign-lifecycle';

describe('campaign lifecycle', () => {
  it('allows each move only from its statuses', () => {
    const actions: CampaignAction[] = [
      'edit',
      'launch',
      'start',
      'complete',
      'pause',
      'resume',
      'cancel',
    ];
    const allowed = Object.fromEntries(
      CAMPAIGN_STATUSES.map((s) => [s, actions.filter((a) => allows(s, a))]),
    );
    expect(allowed).toEqual({
      draft: ['edit', 'launch', 'cancel'],
      scheduled: ['start', 'pause', 'cancel'],
      running: ['complete', 'pause', 'cancel'],
      paused: ['resume', 'cancel'],
      completed: [],
      cancelled: [],
    });
  });

  it('leads each move to its status; resume goes back to where the campaign was paused', () => {
    expect(targetOf('launch')).toBe('scheduled');
    expect(targetOf('start')).toBe('running');
    expect(targetOf('complete')).toBe('completed');
    expect(targetOf('pause')).toBe('paused');
    expect(targetOf('cancel')).toBe('cancelled');
    expect(targetOf('resume', 'running')).toBe('running');
    expect(targetOf('resume', null)).toBe('scheduled');
  });

  it('names the audit type of each move', () => {
    expect(auditTypeOf('pause')).toBe('campaign.paused');
    expect(auditTypeOf('resume')).toBe('campaign.resumed');
    expect(auditTypeOf('cancel')).toBe('campaign.cancelled');
    expect(auditTypeOf('launch')).toBe('campaign.launched');
    expect(systemMove('start', 'c1', new Date(0))).toEqual({
      type: 'campaign.running',
      campaignId: 'c1',
      actor: 'system',
      at: new Date(0),
      data: { from: 'scheduled', to: 'running' },
    });
    expect(systemMove('complete', 'c1', new Date(0)).data).toEqual({
      from: 'running',
      to: 'completed',
    });
  });

  it('refuses a move by naming the statuses that allow it', () => {
    expect(refusal('c1', 'running', 'launch')).toBe(
      'campaign c1 is running; only a draft can be launched',
    );
    expect(refusal('c1', 'scheduled', 'edit')).toBe(
      'campaign c1 is scheduled; only a draft can be changed',
    );
    expect(refusal('c1', 'draft', 'pause')).toBe(
      'campaign c1 is draft; it can be paused only when scheduled or running',
    );
    expect(refusal('c1', 'completed', 'cancel')).toBe(
      'campaign c1 is completed; it can be cancelled only when draft or scheduled or running or paused',
    );
  });

  it('treats scheduled and running as active', () => {
    expect(CAMPAIGN_STATUSES.filter(isActive)).toEqual(['scheduled', 'running']);
  });
});
