import type { Channel } from '../policy/engine';
import { DEFAULT_DOUBLE_OPT_IN } from '../policy/engine/consent';

/** Tuning and test switches; provide PLANNER_OPTIONS to override the defaults. */
export interface PlannerOptions {
  /** Customers per batch transaction. */
  batchSize: number;
  /** Scheduler tick period; the tick only runs on instances with the `scheduler` role. */
  intervalMs: number;
  /** false: no timer at all (tests call tick() themselves). Off by default under NODE_ENV=test. */
  timer: boolean;
  /** Channels whose marketing needs a confirmed (double opt-in) consent. */
  doubleOptIn: Partial<Record<Channel, boolean>>;
  /** A step's id space is planned in this many lanes side by side (one connection each). */
  lanes: number;
}
export const PLANNER_OPTIONS = Symbol('PLANNER_OPTIONS');

export const DEFAULT_PLANNER_OPTIONS: PlannerOptions = {
  // Measured with bench:plan: 2,000 beat 4,000 and 6,000 (less of each batch survives a young
  // GC while the database works), and holds contact locks for a shorter time.
  batchSize: 2000,
  intervalMs: 5000,
  timer: process.env.NODE_ENV !== 'test',
  // The one double opt-in rule shared with the sender's send-time check and the forecast.
  doubleOptIn: DEFAULT_DOUBLE_OPT_IN,
  lanes: 3,
};
