import type { EntityManager } from 'typeorm';
import type { AuditWriter } from '../audit-log/audit-writer';
import type { AudiencesService } from '../audiences/audiences.service';
import type { CampaignMoves } from './campaign-moves.port';
import { laneStarts } from './lanes';
import type { CampaignRow } from './planning-setup';
import { nextCronStepDue } from './schedule';
import {
  ADD_STEP,
  CREATE_LANES,
  FINISH_STEP,
  LANES_OF_STEP,
  SIZE_STEP,
  START_STEP,
  STEP_DUE_AT,
  type LaneRow,
} from './sql/steps';

/** scheduled → running (audited once) and the step → planning with its audience size. */
export async function startStep(
  m: EntityManager,
  moves: CampaignMoves,
  audiences: AudiencesService,
  c: CampaignRow,
  step: number,
  now: Date,
): Promise<void> {
  if (await moves.start(m, c.id, now)) c.status = 'running';
  const [started]: [{ id: string }[], number] = await m.query(START_STEP, [c.id, step, now]);
  if (started.length && c.schedule.type !== 'trigger') {
    const size = await audiences.count(c.audience, m);
    await m.query(SIZE_STEP, [c.id, step, size]);
  }
}

/**
 * The step's lanes, created on its first run: the id space is cut into lanes planned side by
 * side, each on its own connection with its own checkpoint.
 */
export async function lanesOfStep(
  m: EntityManager,
  campaignId: string,
  step: number,
  lanes: number,
): Promise<LaneRow[]> {
  await m.query(CREATE_LANES, [campaignId, step, lanes, laneStarts(lanes)]);
  return m.query(LANES_OF_STEP, [campaignId, step]);
}

/** The audience is exhausted: the step is planned; a cron campaign gets its next step. */
export async function finishStep(
  m: EntityManager,
  audit: AuditWriter,
  c: CampaignRow,
  step: number,
  now: Date,
): Promise<void> {
  await m.query(FINISH_STEP, [c.id, step, now]);
  if (c.schedule.type === 'cron') {
    const [{ due_at }]: { due_at: Date }[] = await m.query(STEP_DUE_AT, [c.id, step]);
    await m.query(ADD_STEP, [c.id, step + 1, nextCronStepDue(c.schedule, due_at, now)]);
  }
  await audit.record(
    { type: 'campaign.step_planned', campaignId: c.id, actor: 'system', at: now, data: { step } },
    m,
  );
}
