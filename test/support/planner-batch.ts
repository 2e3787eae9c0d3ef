import type { DataSource } from 'typeorm';
import { lockContacts } from '../../src/common/contact-lock';
import { aCampaign, aDelivery } from './builders';

/** A running campaign on topic `tips` (e-mail), inserted directly; returns its id. */
export function insertRunningCampaign(db: DataSource, name = 'race'): Promise<string> {
  return aCampaign(db, { name, templateName: 't' });
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
        await aDelivery(runner, { campaignId, customerId, templateName: 't' });
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
