import type { DataSource } from 'typeorm';
import { lockContacts } from '../../src/common/contact-lock';

/** A running campaign on topic `tips` (e-mail), inserted directly; returns its id. */
export async function insertRunningCampaign(db: DataSource, name = 'race'): Promise<string> {
  const [{ id }]: { id: string }[] = await db.query(
    `INSERT INTO campaigns (name, topic, goal, template_name, channels, audience, schedule, status, created_by)
     VALUES ($1, 'tips', 'retention', 't', '{email}', '{}', '{"type":"now"}', 'running', 'test')
     RETURNING id`,
    [name],
  );
  return id;
}

/**
 * What a planner batch is in the middle of: it holds the customer's contact lock and has decided
 * on what it read. `plan()` then writes the delivery and commits, as the batch would.
 */
export async function plannerBatchInFlight(
  db: DataSource,
  customerId: string,
  campaignId: string,
): Promise<{ plan(): Promise<void> }> {
  const runner = db.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  await lockContacts(runner.manager, [customerId]);
  return {
    async plan() {
      try {
        await runner.query(
          `INSERT INTO deliveries (campaign_id, customer_id, channel, category, topic, goal,
                                   template_name, template_version, policy_version, not_before)
           VALUES ($1, $2, 'email', 'content', 'tips', 'retention', 't', 1, 1, now())`,
          [campaignId, customerId],
        );
        await runner.commitTransaction();
      } finally {
        await runner.release();
      }
    },
  };
}

/** Whether the promise is still pending after `ms` (it is waiting on a lock). */
export async function stillWaiting(promise: Promise<unknown>, ms = 300): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}
