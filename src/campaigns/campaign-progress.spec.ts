import { progressFrom, rowsByCampaign, sizedAudience, type StepRow } from './campaign-progress';

const A = 'a0000000-0000-4000-8000-000000000000';
const B = 'b0000000-0000-4000-8000-000000000000';
const step = (campaign_id: string, step: number, audience_size: number | null): StepRow => ({
  campaign_id,
  step,
  status: 'planned',
  due_at: new Date(0),
  audience_size,
});

describe('campaign progress counting rules', () => {
  it('splits set-wise rows by campaign, keeping campaigns without rows and dropping strangers', () => {
    const rows = rowsByCampaign(
      [A, B],
      [step(A, 0, 5), step(A, 1, null), step('other', 0, 1)],
      [{ campaign_id: B, status: 'sent', n: 2, deferred: 0 }],
      [{ campaign_id: A, reason: 'no_consent', n: 1 }],
    );
    expect([...rows.keys()]).toEqual([A, B]);
    expect(rows.get(A)?.steps.map((s) => s.step)).toEqual([0, 1]);
    expect(rows.get(A)?.counts).toEqual([]);
    expect(rows.get(B)?.counts).toHaveLength(1);
    expect(rows.get(B)?.skips).toEqual([]);
  });

  it('takes the sized steps for the audience, the audience now until one is sized', () => {
    expect(sizedAudience([])).toBeNull();
    expect(sizedAudience([step(A, 0, null)])).toBeNull();
    expect(sizedAudience([step(A, 0, 0)])).toBe(0);
    expect(sizedAudience([step(A, 0, 7), step(A, 1, null), step(A, 2, 5)])).toBe(12);
    const rows = { steps: [step(A, 0, null)], counts: [], skips: [] };
    expect(progressFrom('scheduled', rows, 42).audience).toBe(42);
    expect(progressFrom('scheduled', { ...rows, steps: [step(A, 0, 3)] }, 42).audience).toBe(3);
  });

  it('groups delivery statuses into fates', () => {
    const counts = [
      ['planned', 4, 3],
      ['sending', 1, 0],
      ['sent', 1, 0],
      ['delivered', 2, 0],
      ['complained', 1, 0],
      ['failed', 3, 0],
      ['bounced', 1, 0],
      ['unknown', 5, 0],
      ['cancelled', 6, 0],
    ].map(([status, n, deferred]) => ({ campaign_id: A, status, n, deferred }) as never);
    const p = progressFrom(
      'running',
      {
        steps: [step(A, 0, 30)],
        counts,
        skips: [
          { campaign_id: A, reason: 'no_consent', n: 2 },
          { campaign_id: A, reason: null, n: 1 },
        ],
      },
      0,
    );
    expect(p).toMatchObject({
      status: 'running',
      audience: 30,
      planned: 24,
      sent: 4,
      deferred: 3,
      failed: 4,
      unknown: 5,
      cancelled: 6,
      skipped: { no_consent: 2, unknown: 1 },
      unknownMeaning: 'fate unknown after a crash; never re-sent',
    });
    expect(p.steps).toEqual([{ step: 0, status: 'planned', dueAt: new Date(0), audience: 30 }]);
  });
});
