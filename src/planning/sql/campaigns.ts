// What the planner reads about campaigns (their status moves go through CampaignMoves).

/** Launched trigger campaigns, in planning order. */
export const ACTIVE_TRIGGER_CAMPAIGNS = `SELECT id FROM campaigns WHERE status IN ('scheduled', 'running') AND schedule->>'type' = 'trigger'
        ORDER BY priority DESC, launched_at, id`;

/** Campaign $1 with its topic's category and cadence, when its status is one of $2. */
export const CAMPAIGN_TO_PLAN = `SELECT c.*, t.category, t.cadence_days FROM campaigns c JOIN topics t ON t.key = c.topic
          WHERE c.id = $1 AND c.status = ANY($2::text[])`;
