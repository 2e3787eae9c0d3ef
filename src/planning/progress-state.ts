/** The parts of a campaign's progress (campaigns/campaign-progress) the state is read from. */
export interface ProgressCounts {
  planned: number;
  deferred: number;
  skipped: Record<string, number>;
  byStatus: Record<string, number>;
  steps: readonly { status: string; dueAt: Date }[];
}

/** Decided customers and how many deliveries are waiting to be sent right now. */
export function progressState(p: ProgressCounts): {
  decided: number;
  inFlight: number;
  stepsPlanned: boolean;
  skipped: number;
} {
  const skipped = Object.values(p.skipped).reduce((a, n) => a + n, 0);
  const planned = p.byStatus.planned ?? 0;
  const sending = p.byStatus.sending ?? 0;
  return {
    skipped,
    decided: p.planned + skipped,
    // deferred = planned for later (quiet hours, budget): not in flight now
    inFlight: Math.max(0, planned - p.deferred) + sending,
    stepsPlanned:
      p.steps.length > 0 &&
      p.steps.every(
        (s) => s.status === 'planned' || s.status === 'cancelled' || s.dueAt > new Date(),
      ),
  };
}
