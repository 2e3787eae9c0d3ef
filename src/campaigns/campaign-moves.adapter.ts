import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { CampaignMoves } from '../planning/campaign-moves.port';
import { systemMove } from './campaign-lifecycle';

/** scheduled → running ($1 at $2); returns the row when it moved. */
const START_CAMPAIGN = `UPDATE campaigns SET status = 'running', updated_at = $2
          WHERE id = $1 AND status = 'scheduled' RETURNING id`;

/**
 * running → completed at $1 for one-off (now, once) campaigns whose steps are planned and whose
 * deliveries all left `planned`/`sending`.
 */
const COMPLETE_FINISHED_CAMPAIGNS = `UPDATE campaigns c SET status = 'completed', finished_at = $1, updated_at = $1
          WHERE c.status = 'running' AND c.schedule->>'type' IN ('now', 'once')
            AND NOT EXISTS (SELECT 1 FROM campaign_steps s
                             WHERE s.campaign_id = c.id AND s.status IN ('pending', 'planning'))
            AND NOT EXISTS (SELECT 1 FROM deliveries d
                             WHERE d.campaign_id = c.id AND d.status IN ('planned', 'sending'))
          RETURNING c.id`;

/** The planner's campaign moves, by the campaign lifecycle, audited in the planner's transaction. */
@Injectable()
export class CampaignMovesAdapter extends CampaignMoves {
  constructor(private readonly audit: AuditWriter) {
    super();
  }

  async start(m: EntityManager, campaignId: string, at: Date): Promise<boolean> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [moved]: [{ id: string }[], number] = await m.query(START_CAMPAIGN, [campaignId, at]);
    if (!moved.length) return false;
    await this.audit.record(systemMove('start', campaignId, at), m);
    return true;
  }

  async completeFinished(m: EntityManager, at: Date): Promise<string[]> {
    const [rows]: [{ id: string }[], number] = await m.query(COMPLETE_FINISHED_CAMPAIGNS, [at]);
    await this.audit.record(
      rows.map((r) => systemMove('complete', r.id, at)),
      m,
    );
    return rows.map((r) => r.id);
  }
}
