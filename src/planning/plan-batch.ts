import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  decide,
  plannedContact,
  type CampaignMessage,
  type Channel,
  type ContactPolicy,
  type CustomerKind,
  type Decision,
  type DecisionInput,
} from '../policy/engine';
import { consentEventFor, type CustomerDecisionContext } from './decision-context.loader';

/** One customer to decide for: the campaign message (step, reminder) and when it is meant for. */
export interface PlanItem {
  customerId: string;
  message: CampaignMessage;
  /** The moment the decision is made for: now, or a trigger's due time when that is later. */
  at: Date;
  templateName: string;
  templateVersion: number;
  /** Extra audit data (the triggering event, …). */
  data?: Record<string, unknown>;
}

export interface DeliveryRow {
  id: string;
  customerId: string;
  step: number;
  channel: Channel;
  isReminder: boolean;
  lapseId: string | null;
  templateName: string;
  templateVersion: number;
  policyVersion: number;
  consentEventId: string | null;
  notBefore: Date;
}

export interface DecisionAuditRow {
  type: 'decision.send' | 'decision.defer' | 'decision.skip';
  customerId: string;
  deliveryId: string | null;
  channel: Channel | null;
  reason: string | null;
  policyVersion: number;
  data: Record<string, unknown>;
}

export interface PlannedBatch {
  deliveries: DeliveryRow[];
  audits: DecisionAuditRow[];
  counts: { send: number; defer: number; skip: number };
}

// uuid asks the system for 16 random bytes per id; one refill serves 256 ids.
const POOL = Buffer.alloc(16 * 256);
let poolAt = POOL.length;
function random16(): Uint8Array {
  if (poolAt === POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  return POOL.subarray(poolAt, (poolAt += 16));
}

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

/**
 * The decisions of one batch (pure apart from the delivery ids). Each accepted contact joins its
 * customer's history before the next item, so two items of one customer (a purchase twice in a
 * tick) see each other. A budget defer keeps its reservation: the delivery is planned on the
 * channel the engine would use at the deferred time.
 */
export function planBatch(
  items: readonly PlanItem[],
  contexts: ReadonlyMap<string, CustomerDecisionContext>,
  policies: Readonly<Record<CustomerKind, ContactPolicy>>,
): PlannedBatch {
  const out: PlannedBatch = { deliveries: [], audits: [], counts: { send: 0, defer: 0, skip: 0 } };
  for (const item of items) {
    const ctx = contexts.get(item.customerId);
    if (ctx === undefined) continue; // deleted between paging and loading
    const input: DecisionInput = {
      customer: ctx.customer,
      consent: ctx.consent,
      preferences: ctx.preferences,
      history: ctx.history,
      suppression: ctx.suppression,
      message: item.message,
      policy: policies[ctx.customer.kind],
      now: item.at,
    };
    let decision: Decision = decide(input);
    let channel: Channel | null = null;
    let notBefore: Date | null = null;
    if (decision.kind === 'send') {
      channel = decision.channel;
      notBefore = decision.notBefore;
    } else if (decision.kind === 'defer') {
      if (decision.channel !== undefined) {
        channel = decision.channel;
        notBefore = decision.until;
      } else {
        // Budget or fatigue wait: what the engine would do at that moment is the reservation.
        const later = decide({ ...input, now: decision.until });
        if (later.kind === 'send') {
          channel = later.channel;
          notBefore = later.notBefore;
        } else if (later.kind === 'defer' && later.channel !== undefined) {
          channel = later.channel;
          notBefore = later.until;
        } else {
          decision = later.kind === 'skip' ? later : { ...later, kind: 'skip' };
        }
      }
    }
    const m = item.message;
    const step = m.step ?? 0;
    const data: Record<string, unknown> = { step, ...item.data };
    if (decision.kind !== 'send') {
      if (decision.nextEligibleAt) data.nextEligibleAt = iso(decision.nextEligibleAt);
      if (decision.detail !== undefined) data.detail = decision.detail;
      if (decision.winnerCampaignId !== undefined)
        data.winnerCampaignId = decision.winnerCampaignId;
    }
    if (channel !== null && notBefore !== null && decision.kind !== 'skip') {
      const consentEventId =
        m.category === 'service' ? null : consentEventFor(ctx, channel, m.topic);
      // Time-ordered (RFC 9562 v7, millisecond prefix): the deliveries key and the audit's
      // delivery index grow at their right edge instead of touching a random leaf per row.
      const id = uuidv7({ random: random16() });
      out.deliveries.push({
        id,
        customerId: item.customerId,
        step,
        channel,
        isReminder: m.isReminder === true,
        lapseId: m.goal === 'winback' ? (ctx.customer.lapseId ?? null) : null,
        templateName: item.templateName,
        templateVersion: item.templateVersion,
        policyVersion: decision.policyVersion,
        consentEventId,
        notBefore,
      });
      data.notBefore = notBefore.toISOString();
      if (consentEventId !== null) data.consentEventId = consentEventId;
      if (decision.kind === 'defer') {
        data.until = notBefore.toISOString();
        data.nextEligibleAt ??= notBefore.toISOString();
      }
      out.audits.push({
        type: decision.kind === 'send' ? 'decision.send' : 'decision.defer',
        customerId: item.customerId,
        deliveryId: id,
        channel,
        reason: decision.kind === 'defer' ? decision.reason : null,
        policyVersion: decision.policyVersion,
        data,
      });
      out.counts[decision.kind]++;
      const contact = plannedContact(input, {
        kind: 'send',
        channel,
        notBefore,
        policyVersion: decision.policyVersion,
      });
      if (contact !== null) ctx.history.push(contact);
    } else {
      out.audits.push({
        type: 'decision.skip',
        customerId: item.customerId,
        deliveryId: null,
        channel: null,
        reason: decision.reason ?? null,
        policyVersion: decision.policyVersion,
        data,
      });
      out.counts.skip++;
    }
  }
  return out;
}
