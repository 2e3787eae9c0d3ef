import type { PlannedBatch } from './plan-batch';

/** What a written batch reports: how many were decided and how. */
export interface BatchSummary {
  decided: number;
  counts: PlannedBatch['counts'];
}

export interface StepReport {
  campaignId: string;
  step: number;
  /** locked: another instance is planning this campaign; skipped: nothing (left) to plan. */
  outcome: 'planned' | 'locked' | 'skipped' | 'stopped';
  batches: number;
  decided: number;
  send: number;
  defer: number;
  skip: number;
}

export interface TickReport {
  steps: StepReport[];
  triggers: StepReport[];
  completed: string[];
}

export const emptyStepReport = (campaignId: string, step: number): StepReport => ({
  campaignId,
  step,
  outcome: 'skipped',
  batches: 0,
  decided: 0,
  send: 0,
  defer: 0,
  skip: 0,
});

/** Counts one committed batch into the step's report. */
export function addBatch(report: StepReport, batch: BatchSummary): void {
  report.batches++;
  report.decided += batch.decided;
  report.send += batch.counts.send;
  report.defer += batch.counts.defer;
  report.skip += batch.counts.skip;
}

/**
 * Promise 6 held by the unique key: a delivery already there means this one was never planned;
 * the batch statement wrote its decision as a skip (already_contacted), so it counts as one.
 */
export function countLost(summary: BatchSummary, lost: { send: number; defer: number }): void {
  if (lost.send + lost.defer === 0) return;
  summary.counts.send -= lost.send;
  summary.counts.defer -= lost.defer;
  summary.counts.skip += lost.send + lost.defer;
}
