export type LifecycleStage = 'prospect' | 'new' | 'active' | 'lapsing' | 'lapsed';

export interface LifecycleFacts {
  purchaseCount: number;
  lastPurchaseAt: Date | null;
}

export const DEFAULT_LIFECYCLE = { lapsingDays: 90, lapsedDays: 180 };
const DAY = 86_400_000;

/** Derived, never stored: it changes with the passing of time alone. */
export function lifecycleStage(
  facts: LifecycleFacts,
  now: Date,
  cfg: { lapsingDays: number; lapsedDays: number } = DEFAULT_LIFECYCLE,
): LifecycleStage {
  if (facts.purchaseCount === 0 || !facts.lastPurchaseAt) return 'prospect';
  const idle = now.getTime() - facts.lastPurchaseAt.getTime();
  if (idle >= cfg.lapsedDays * DAY) return 'lapsed';
  if (idle >= cfg.lapsingDays * DAY) return 'lapsing';
  return facts.purchaseCount === 1 ? 'new' : 'active';
}
