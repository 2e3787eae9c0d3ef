import { AUDIT_COLUMNS, auditTypeLiteral, insertAuditRows } from '../../audit-log/audit-writer';
import { plainArray, textArray } from '../../database/pg-array';
import type { Category, Goal } from '../../policy/engine';
import type { PlannedBatch } from '../plan-batch';
import type { BatchSummary } from '../step-report';

const SEND = auditTypeLiteral('decision.send');
const DEFER = auditTypeLiteral('decision.defer');
const SKIP = auditTypeLiteral('decision.skip');

/**
 * A batch's deliveries and decisions in one statement. Each column travels as one array literal
 * (times as epoch milliseconds), unnested in PostgreSQL: far cheaper to parse than a JSON document
 * of objects. A delivery the unique key refuses (ON CONFLICT) was never planned, so its decision
 * is written as a skip (already_contacted) and counted back to the caller. Decisions keep their
 * order (the audit ids follow it). Answers one row: the lost sends and defers.
 */
export const WRITE_BATCH = `
WITH decision AS MATERIALIZED (
  SELECT * FROM ROWS FROM (unnest($3::text[]), unnest($4::uuid[]), unnest($5::uuid[]),
         unnest($6::text[]), unnest($7::text[]), unnest($8::int[]), jsonb_array_elements($9::jsonb))
         WITH ORDINALITY AS u(type, customer_id, delivery_id, channel, reason, policy_version, data, ord)
),
planned AS (
  INSERT INTO deliveries (id, campaign_id, step, customer_id, channel, category, topic, goal,
    is_reminder, lapse_id, template_name, template_version, policy_version, consent_event_id,
    status, not_before, planned_at, updated_at)
  SELECT v.id, $2, v.step, v.customer_id, v.channel, $10, $11, $12, v.is_reminder, v.lapse_id,
         v.template_name, v.template_version, v.policy_version, v.consent_event_id,
         'planned', to_timestamp(v.not_before / 1000.0), $1, $1
    FROM unnest($13::uuid[], $14::int[], $15::uuid[], $16::text[], $17::boolean[], $18::text[],
         $19::text[], $20::int[], $21::int[], $22::bigint[], $23::float8[])
         AS v(id, step, customer_id, channel, is_reminder, lapse_id, template_name,
              template_version, policy_version, consent_event_id, not_before)
  ON CONFLICT (campaign_id, step, customer_id) DO NOTHING
  RETURNING id
),
judged AS (
  SELECT d.*, d.delivery_id IS NOT NULL AND p.id IS NULL AS lost
    FROM decision d LEFT JOIN planned p ON p.id = d.delivery_id
),
audited AS (
  ${insertAuditRows(
    AUDIT_COLUMNS,
    `SELECT $1, CASE WHEN j.lost THEN ${SKIP} ELSE j.type END, j.customer_id, $2,
         CASE WHEN j.lost THEN NULL ELSE j.delivery_id END,
         CASE WHEN j.lost THEN NULL ELSE j.channel END,
         CASE WHEN j.lost THEN 'already_contacted' ELSE j.reason END,
         j.policy_version, 'system',
         CASE WHEN j.lost
              THEN j.data || jsonb_build_object('detail', 'campaign ' || $2::uuid || ' step ' || (j.data->>'step'))
              ELSE j.data END
    FROM judged j ORDER BY j.ord`,
  )}
)
SELECT (count(*) FILTER (WHERE type = ${SEND}))::int AS send,
       (count(*) FILTER (WHERE type = ${DEFER}))::int AS defer
  FROM judged WHERE lost`;
export interface LostRow {
  send: number;
  defer: number;
}

/** The campaign facts every delivery of the batch carries. */
export interface BatchCampaign {
  id: string;
  category: Category;
  topic: string;
  goal: Goal;
}

/**
 * WRITE_BATCH's parameters for one planned batch and its counts, built in one pass so the
 * decision objects can be collected as soon as the strings exist (the caller never holds them).
 */
export function writeBatch(
  c: BatchCampaign,
  now: Date,
  planned: PlannedBatch,
): { params: unknown[]; summary: BatchSummary } {
  const a = planned.audits;
  const d = planned.deliveries;
  const params = [
    now,
    c.id,
    textArray(a.map((r) => r.type)),
    plainArray(a.map((r) => r.customerId)),
    plainArray(a.map((r) => r.deliveryId)),
    textArray(a.map((r) => r.channel)),
    textArray(a.map((r) => r.reason)),
    plainArray(a.map((r) => r.policyVersion)),
    JSON.stringify(a.map((r) => r.data)),
    c.category,
    c.topic,
    c.goal,
    plainArray(d.map((r) => r.id)),
    plainArray(d.map((r) => r.step)),
    plainArray(d.map((r) => r.customerId)),
    textArray(d.map((r) => r.channel)),
    plainArray(d.map((r) => r.isReminder)),
    textArray(d.map((r) => r.lapseId)),
    textArray(d.map((r) => r.templateName)),
    plainArray(d.map((r) => r.templateVersion)),
    plainArray(d.map((r) => r.policyVersion)),
    plainArray(d.map((r) => r.consentEventId)),
    plainArray(d.map((r) => r.notBefore.getTime())),
  ];
  return { params, summary: { decided: a.length, counts: { ...planned.counts } } };
}
