import { createHash } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CampaignsService } from '../campaigns/campaigns.service';
import type { CampaignDefinition } from '../campaigns/campaign-definition';
import { ClickLinks } from '../clicks/click-links';
import { ClickService } from '../clicks/click.service';
import { Clock } from '../common/clock';
import { middayZone } from '../common/midday-zone';
import { ConsentService } from '../consent/consent.service';
import { CustomersService } from '../customers/customers.service';
import { EventsService } from '../events/events.service';
import { ClickTokenService } from '../tokens/click-token.service';
import { EVIDENCE, WORDING } from './sample-data';

/** Simulated shoppers per campaign: enough for the holdout comparison to say something. */
const SHOPPERS = 300;
const BROWSER = 'Mozilla/5.0 (demo shopper)';
const SHOP_LINK = 'https://shop.example/spring';

/** Two measured campaigns: one whose shoppers buy more than its control group, one no better. */
export const OUTCOME_CAMPAIGNS: readonly (CampaignDefinition & {
  group: string;
  buyTreated: number;
  buyHeldOut: number;
  clickShare: number;
  unsubscribes: number;
})[] = [
  {
    name: 'Demo: spring care tips with a control group',
    topic: 'tips',
    goal: 'retention',
    template: 'tips',
    channels: ['email'],
    priority: 40,
    audience: { field: 'attributes.simulation', op: 'eq', value: 'helped' },
    schedule: { type: 'now' },
    effectiveAt: null,
    holdoutPercent: 20,
    group: 'helped',
    buyTreated: 0.24,
    buyHeldOut: 0.05,
    clickShare: 0.35,
    unsubscribes: 1,
  },
  {
    name: 'Demo: reminder with a control group',
    topic: 'tips',
    goal: 'retention',
    template: 'tips',
    channels: ['email'],
    priority: 40,
    audience: { field: 'attributes.simulation', op: 'eq', value: 'no-effect' },
    schedule: { type: 'now' },
    effectiveAt: null,
    holdoutPercent: 20,
    group: 'no-effect',
    buyTreated: 0.1,
    buyHeldOut: 0.1,
    clickShare: 0.08,
    unsubscribes: 3,
  },
];

/** A stable draw in [0, 1) per key: re-runs simulate the same shoppers the same way. */
const draw = (key: string): number =>
  createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;

/**
 * Exactly `rate` of a group, picked in a stable pseudo-random order: the demo's rates are what it
 * says (one campaign helps, the other changes nothing) rather than a sample that may stray.
 */
function share<T extends { customer_id: string }>(group: T[], rate: number, what: string): T[] {
  const ordered = [...group].sort(
    (a, b) => draw(`${what}:${a.customer_id}`) - draw(`${what}:${b.customer_id}`),
  );
  return ordered.slice(0, Math.round(group.length * rate));
}

const SHOPPERS_OF = `SELECT id FROM customers WHERE external_id LIKE $1 ORDER BY external_id`;
const CAMPAIGN_BY_NAME = `SELECT id, status FROM campaigns WHERE name = $1 AND status <> 'cancelled'`;
const REACHED = `SELECT id, customer_id FROM deliveries WHERE campaign_id = $1 AND sent_at IS NOT NULL`;
const HELD_OUT = `SELECT DISTINCT customer_id FROM audit_events
  WHERE campaign_id = $1 AND type = 'decision.skip' AND reason = 'held_out'`;
const HAS_CLICKS = `SELECT 1 FROM delivery_clicks WHERE campaign_id = $1 LIMIT 1`;

/** Step 1: the simulated shoppers with their consent, and the two measured campaigns, launched. */
export async function loadOutcomeDemo(app: INestApplicationContext, actor: string): Promise<void> {
  const db = app.get(DataSource);
  const campaigns = app.get(CampaignsService);
  const zone = middayZone(app.get(Clock).now());
  for (const c of OUTCOME_CAMPAIGNS) {
    const prefix = `sim-${c.group}-`;
    const have: { id: string }[] = await db.query(SHOPPERS_OF, [`${prefix}%`]);
    for (let i = have.length; i < SHOPPERS; i++) {
      const { customer } = await app.get(CustomersService).upsert({
        externalId: `${prefix}${String(i).padStart(3, '0')}`,
        kind: 'consumer',
        name: `Shopper ${i}`,
        email: `shopper.${c.group}.${i}@demo.example`,
        locale: 'en',
        timezone: zone,
        attributes: { simulation: c.group },
      });
      const text = WORDING['email:tips'];
      await app.get(ConsentService).record({
        customerId: customer.id,
        channel: 'email',
        topic: 'tips',
        action: 'grant',
        source: EVIDENCE.checkout.source,
        confirmed: true,
        actor,
        evidence: {
          ip: EVIDENCE.checkout.ip,
          userAgent: EVIDENCE.checkout.userAgent,
          wording: text.en,
          wordingVersion: text.version,
        },
      });
    }
    const found: { id: string; status: string }[] = await db.query(CAMPAIGN_BY_NAME, [c.name]);
    const {
      group: _g,
      buyTreated: _b,
      buyHeldOut: _h,
      clickShare: _c,
      unsubscribes: _u,
      ...def
    } = c;
    const id = found[0]?.id ?? (await campaigns.createDraft(def, actor)).id;
    if ((found[0]?.status ?? 'draft') === 'draft') await campaigns.launch(id, true, actor);
  }
}

/**
 * Step 2, after the planner and sender ran: what the shoppers then did. Clicks through the real
 * click route's service, purchases through the events API (a stable share of each group, so one
 * campaign clearly helps and the other changes nothing) and a few unsubscribes. Re-runs add
 * nothing (a campaign with clicks was simulated already).
 */
export async function simulateOutcomes(app: INestApplicationContext, actor: string): Promise<void> {
  const db = app.get(DataSource);
  const now = app.get(Clock).now();
  const [linkId] = [...(await app.get(ClickLinks).idsOf([SHOP_LINK])).values()];
  for (const c of OUTCOME_CAMPAIGNS) {
    const [campaign]: { id: string }[] = await db.query(CAMPAIGN_BY_NAME, [c.name]);
    if (!campaign) continue;
    const reached: { id: string; customer_id: string }[] = await db.query(REACHED, [campaign.id]);
    const held: { customer_id: string }[] = await db.query(HELD_OUT, [campaign.id]);
    // Simulated once per campaign: its clicks mark a campaign whose shoppers already acted.
    if ((await db.query(HAS_CLICKS, [campaign.id])).length) continue;
    for (const d of share(reached, c.clickShare, 'click')) {
      const token = app.get(ClickTokenService).issue({ deliveryId: d.id, linkId });
      await app.get(ClickService).follow({ token, method: 'GET', userAgent: BROWSER });
    }
    const buyers = [...share(reached, c.buyTreated, 'buy'), ...share(held, c.buyHeldOut, 'buy')];
    const purchases = buyers.map((b) => ({
      customerId: b.customer_id,
      type: 'purchase',
      eventId: `demo-outcome-${campaign.id}-${b.customer_id}`,
      occurredAt: now.toISOString(),
      amount: 1500 + Math.round(draw(`amount:${b.customer_id}`) * 4000),
      currency: 'RUB',
    }));
    for (let i = 0; i < purchases.length; i += 500)
      await app.get(EventsService).record(purchases.slice(i, i + 500));
    for (const d of reached.slice(0, c.unsubscribes))
      await app.get(ConsentService).record({
        customerId: d.customer_id,
        channel: 'email',
        topic: 'tips',
        action: 'withdraw',
        source: EVIDENCE.preferencePage.source,
        actor,
        evidence: {
          ip: EVIDENCE.preferencePage.ip,
          userAgent: EVIDENCE.preferencePage.userAgent,
        },
      });
  }
}
