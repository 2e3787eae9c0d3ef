import { MigrationInterface, QueryRunner } from 'typeorm';

const GOALS = `('engagement', 'retention', 'winback', 'review', 'announcement', 'care')`;
const STATUSES = `('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')`;

export class Campaigns1763913600000 implements MigrationInterface {
  name = 'Campaigns1763913600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        topic text NOT NULL REFERENCES topics (key),
        goal text NOT NULL CHECK (goal IN ${GOALS}),
        template_name text NOT NULL,
        -- pinned when the campaign is launched; NULL while in draft
        template_version integer,
        channels text[] NOT NULL CHECK (
          cardinality(channels) > 0 AND channels <@ ARRAY['email', 'sms', 'voice']::text[]),
        priority integer NOT NULL DEFAULT 50 CHECK (priority BETWEEN 0 AND 100),
        audience jsonb NOT NULL,
        schedule jsonb NOT NULL,
        effective_at timestamptz,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ${STATUSES}),
        acknowledged_warnings boolean NOT NULL DEFAULT false,
        -- the content check of the rendered sample at launch (content topics), for the record
        content_check jsonb,
        -- review campaigns: the reminder's template version, pinned at launch like the first one
        reminder_template_version integer,
        -- while paused: the status a resume returns to
        paused_from text CHECK (paused_from IN ('scheduled', 'running')),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        launched_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX ix_campaigns_status ON campaigns (status, priority DESC)`);
    // The list endpoint pages newest first by (created_at, id).
    await q.query(`CREATE INDEX ix_campaigns_created ON campaigns (created_at DESC, id DESC)`);
    // One run of a campaign: a `now`/`once` campaign has step 0; each cron occurrence is the
    // next step. The planner checkpoints in `cursor` (the last customer id planned, keyset order).
    await q.query(`
      CREATE TABLE campaign_steps (
        campaign_id uuid NOT NULL REFERENCES campaigns (id),
        step integer NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'planning', 'planned', 'cancelled')),
        cursor uuid,
        audience_size integer,
        started_at timestamptz,
        finished_at timestamptz,
        PRIMARY KEY (campaign_id, step)
      )`);
    await q.query(
      `CREATE INDEX ix_campaign_steps_due ON campaign_steps (due_at) WHERE status IN ('pending', 'planning')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaign_steps`);
    await q.query(`DROP TABLE campaigns`);
  }
}
