// The planner's statements on campaign steps and their lanes (the planner's own tables).

/** Steps due by $1 of launched, non-trigger campaigns, in planning order. */
export const DUE_STEPS = `SELECT s.campaign_id, s.step FROM campaign_steps s JOIN campaigns c ON c.id = s.campaign_id
        WHERE s.status IN ('pending', 'planning') AND s.due_at <= $1
          AND c.status IN ('scheduled', 'running') AND c.schedule->>'type' <> 'trigger'
        ORDER BY c.priority DESC, c.launched_at, c.id, s.step`;
export interface DueStepRow {
  campaign_id: string;
  step: number;
}

/** Whether step $2 of campaign $1 still has planning to do. */
export const STEP_OPEN = `SELECT 1 AS n FROM campaign_steps WHERE campaign_id = $1 AND step = $2 AND status IN ('pending', 'planning')`;

/** pending → planning at $3; returns the row when it moved. */
export const START_STEP = `UPDATE campaign_steps SET status = 'planning', started_at = $3
          WHERE campaign_id = $1 AND step = $2 AND status = 'pending' RETURNING campaign_id AS id`;

/** The audience size counted when the step started. */
export const SIZE_STEP = `UPDATE campaign_steps SET audience_size = $3 WHERE campaign_id = $1 AND step = $2`;

/**
 * The step's lanes, once: $3 lanes starting at the cursors $4 (a resumed step keeps the lanes
 * it started with).
 */
export const CREATE_LANES = `INSERT INTO campaign_step_lanes (campaign_id, step, lane, lanes, cursor)
         SELECT $1, $2, l, $3, ($4::uuid[])[l + 1]
           FROM generate_series(0, $3 - 1) l
          WHERE NOT EXISTS (SELECT 1 FROM campaign_step_lanes WHERE campaign_id = $1 AND step = $2)`;

export const LANES_OF_STEP = `SELECT lane, lanes, done FROM campaign_step_lanes WHERE campaign_id = $1 AND step = $2 ORDER BY lane`;
export interface LaneRow {
  lane: number;
  lanes: number;
  done: boolean;
}

/**
 * Lane $3's checkpoint for a batch, with the step row in share mode: lanes run side by side,
 * while a cancel (which updates the row) waits for the batch, and a batch after a pause or
 * cancel finds nothing.
 */
export const LOCK_LANE = `SELECT l.cursor, l.done FROM campaign_steps s
               JOIN campaigns c ON c.id = s.campaign_id
               JOIN campaign_step_lanes l ON l.campaign_id = s.campaign_id AND l.step = s.step AND l.lane = $3
              WHERE s.campaign_id = $1 AND s.step = $2 AND s.status = 'planning' AND c.status = 'running'
              FOR SHARE OF s FOR UPDATE OF l`;
export interface LaneCheckpointRow {
  cursor: string | null;
  done: boolean;
}

/** Moves lane $3's cursor to $4 (null: stays) and marks it done ($5). */
export const ADVANCE_LANE = `UPDATE campaign_step_lanes SET cursor = coalesce($4, cursor), done = $5
              WHERE campaign_id = $1 AND step = $2 AND lane = $3`;

/** The step row, locked, while it is planning and its campaign running (no pause or cancel). */
export const LOCK_PLANNING_STEP = `SELECT 1 AS n FROM campaign_steps s JOIN campaigns c ON c.id = s.campaign_id
            WHERE s.campaign_id = $1 AND s.step = $2 AND s.status = 'planning' AND c.status = 'running'
            FOR UPDATE OF s`;

export const FINISH_STEP = `UPDATE campaign_steps SET status = 'planned', finished_at = $3 WHERE campaign_id = $1 AND step = $2`;

export const STEP_DUE_AT = `SELECT due_at FROM campaign_steps WHERE campaign_id = $1 AND step = $2`;

/** A cron campaign's next step, due at $3. */
export const ADD_STEP = `INSERT INTO campaign_steps (campaign_id, step, due_at) VALUES ($1, $2, $3)
         ON CONFLICT (campaign_id, step) DO NOTHING`;
