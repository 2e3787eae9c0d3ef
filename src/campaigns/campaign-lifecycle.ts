import type { AuditEntry } from '../audit-log/audit-writer';
import type { AuditEventType } from '../audit-log/audit-event-types';

/**
 * The one campaign lifecycle: its statuses, the moves between them, which status allows which
 * move and the audit type of each. The API, the planner's moves (campaign-moves.adapter.ts) and
 * the console's buttons all ask this module.
 */
export const CAMPAIGN_STATUSES = [
  'draft',
  'scheduled',
  'running',
  'paused',
  'completed',
  'cancelled',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** edit, launch, pause, resume and cancel are the marketer's; start and complete the planner's. */
export type CampaignAction =
  'edit' | 'launch' | 'start' | 'complete' | 'pause' | 'resume' | 'cancel';

/** The moves a marketer confirms with a button (editing is the form). */
export const BUTTON_ACTIONS = ['launch', 'pause', 'resume', 'cancel'] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];

interface Move {
  from: readonly CampaignStatus[];
  /** null: back to the status it was paused from. */
  to: CampaignStatus | null;
  audit: AuditEventType;
  /** How a refusal names the move: "only a draft can be launched". */
  done: string;
}

const MOVES: Record<CampaignAction, Move> = {
  edit: { from: ['draft'], to: 'draft', audit: 'campaign.updated', done: 'changed' },
  launch: { from: ['draft'], to: 'scheduled', audit: 'campaign.launched', done: 'launched' },
  start: { from: ['scheduled'], to: 'running', audit: 'campaign.running', done: 'started' },
  complete: { from: ['running'], to: 'completed', audit: 'campaign.completed', done: 'completed' },
  pause: { from: ['scheduled', 'running'], to: 'paused', audit: 'campaign.paused', done: 'paused' },
  resume: { from: ['paused'], to: null, audit: 'campaign.resumed', done: 'resumed' },
  cancel: {
    from: ['draft', 'scheduled', 'running', 'paused'],
    to: 'cancelled',
    audit: 'campaign.cancelled',
    done: 'cancelled',
  },
};

/** Statuses the planner works in: the campaign page refreshes itself and may be paused. */
const ACTIVE: readonly CampaignStatus[] = ['scheduled', 'running'];

export function allows(status: CampaignStatus, action: CampaignAction): boolean {
  return MOVES[action].from.includes(status);
}

export const isActive = (status: CampaignStatus): boolean => ACTIVE.includes(status);

/** Where a move leads; resume goes back to where the campaign was paused (scheduled if unknown). */
export function targetOf(
  action: CampaignAction,
  pausedFrom: CampaignStatus | null = null,
): CampaignStatus {
  return MOVES[action].to ?? pausedFrom ?? 'scheduled';
}

export const auditTypeOf = (action: CampaignAction): AuditEventType => MOVES[action].audit;

/** The past tense a move is logged and refused with. */
export const doneOf = (action: CampaignAction): string => MOVES[action].done;

/** Why a campaign in `status` cannot make the move (a 409). */
export function refusal(id: string, status: CampaignStatus, action: CampaignAction): string {
  const { from, done } = MOVES[action];
  return from.length === 1 && from[0] === 'draft'
    ? `campaign ${id} is ${status}; only a draft can be ${done}`
    : `campaign ${id} is ${status}; it can be ${done} only when ${from.join(' or ')}`;
}

/** The audit row of a move the planner made (start, complete): from its one source status. */
export function systemMove(action: 'start' | 'complete', campaignId: string, at: Date): AuditEntry {
  return {
    type: auditTypeOf(action),
    campaignId,
    actor: 'system',
    at,
    data: { from: MOVES[action].from[0], to: targetOf(action) },
  };
}
