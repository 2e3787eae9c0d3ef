import type { EntityManager } from 'typeorm';

/**
 * The campaign status moves the planner makes, as planning needs them; campaigns binds it
 * (campaigns/campaign-moves.adapter.ts) by the one campaign lifecycle, so the dependency runs
 * campaigns → planning only. Both run in the caller's transaction and audit the move at `at`.
 */
export abstract class CampaignMoves {
  /** scheduled → running when a step starts planning; true when the campaign moved now. */
  abstract start(m: EntityManager, campaignId: string, at: Date): Promise<boolean>;
  /**
   * running → completed for one-off (now, once) campaigns with nothing left to plan or send
   * (every step planned, no delivery planned or sending); their ids.
   */
  abstract completeFinished(m: EntityManager, at: Date): Promise<string[]>;
}
