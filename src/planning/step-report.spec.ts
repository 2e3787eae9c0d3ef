import { addBatch, countLost, emptyStepReport, type BatchSummary } from './step-report';

describe('step report', () => {
  it('adds each committed batch to the step', () => {
    const report = emptyStepReport('c1', 2);
    expect(report).toEqual({
      campaignId: 'c1',
      step: 2,
      outcome: 'skipped',
      batches: 0,
      decided: 0,
      send: 0,
      defer: 0,
      skip: 0,
    });
    addBatch(report, { decided: 5, counts: { send: 3, defer: 1, skip: 1 } });
    addBatch(report, { decided: 2, counts: { send: 0, defer: 0, skip: 2 } });
    expect(report).toMatchObject({ batches: 2, decided: 7, send: 3, defer: 1, skip: 3 });
  });

  it('counts deliveries the unique key refused as skips', () => {
    const summary: BatchSummary = { decided: 6, counts: { send: 4, defer: 2, skip: 0 } };
    countLost(summary, { send: 1, defer: 1 });
    expect(summary).toEqual({ decided: 6, counts: { send: 3, defer: 1, skip: 2 } });
    countLost(summary, { send: 0, defer: 0 });
    expect(summary.counts).toEqual({ send: 3, defer: 1, skip: 2 });
  });
});
