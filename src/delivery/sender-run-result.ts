import type { Outcome } from './send-outcome';

export interface SenderRunResult {
  claimed: number;
  sent: number;
  cancelled: number;
  deferred: number;
  retried: number;
  failed: number;
  unknown: number;
  /** Leases that had run out: marketing → unknown, service → planned again. */
  expired: number;
}

export const emptyResult = (): SenderRunResult => ({
  claimed: 0,
  sent: 0,
  cancelled: 0,
  deferred: 0,
  retried: 0,
  failed: 0,
  unknown: 0,
  expired: 0,
});

const COUNTER_OF: Record<Outcome['kind'], keyof SenderRunResult> = {
  sent: 'sent',
  cancelled: 'cancelled',
  deferred: 'deferred',
  retry: 'retried',
  failed: 'failed',
  unknown: 'unknown',
};

/** Counts each outcome into the result. */
export function countOutcomes(result: SenderRunResult, outcomes: Iterable<Outcome>): void {
  for (const o of outcomes) result[COUNTER_OF[o.kind]]++;
}

export function addInto(total: SenderRunResult, r: SenderRunResult): void {
  for (const k of Object.keys(total) as (keyof SenderRunResult)[]) total[k] += r[k];
}
