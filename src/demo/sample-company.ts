import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CampaignExamplesService } from '../campaigns/campaign-examples.service';
import { CampaignsService, type CampaignDefinition } from '../campaigns/campaigns.service';
import { Clock } from '../common/clock';
import { isDomainError } from '../common/domain-error';
import { ConsentService } from '../consent/consent.service';
import { CustomersService } from '../customers/customers.service';
import { exampleCampaigns } from '../campaigns/examples';
import { SenderService } from '../delivery/sender.service';
import { EventsService } from '../events/events.service';
import { PlannerService } from '../planning/planner.service';
import { PoliciesService } from '../policy/policies.service';
import { SuppressionService } from '../suppression/suppression.service';
import {
  DEMO_CAMPAIGNS,
  DEMO_CUSTOMERS,
  EVIDENCE,
  WINBACK_EXAMPLE,
  WORDING,
  type DemoConsent,
  type DemoCustomer,
  type DemoEvent,
} from './sample-data';

export const DEMO_ACTOR = 'system:demo';
const DAY_MS = 86_400_000;
/** The lapsing customer's 180 days run out this long after the win-back campaign's launch. */
const LAPSE_MARGIN_MS = 3_000;

export interface DemoOptions {
  /** Recorded as the actor of every change the demo makes. */
  actor?: string;
  /** Progress lines (nothing by default). */
  log?: (line: string) => void;
}

export interface DemoLoadReport {
  /** True when every demo customer and campaign was already there (a second run). */
  alreadyLoaded: boolean;
  customersCreated: number;
  consentEventsRecorded: number;
  eventsRecorded: number;
  campaignsCreated: number;
  /** Names of the campaigns launched by this run. */
  launched: string[];
  /** Launches refused (name: reason); the rest of the demo goes on. */
  launchErrors: string[];
  /** The planner must run again after this instant (a customer lapses then). */
  waitUntil: Date | null;
}

export interface DemoRunReport {
  rounds: number;
  sent: number;
  /** Sender outcomes other than sent (deferred to the send window, cancelled, failed, …). */
  other: number;
}

/** Every campaign name the demo owns: the ready examples and its own two. */
export function demoCampaignNames(now: Date): string[] {
  return [...exampleCampaigns(now).map((c) => c.name), ...DEMO_CAMPAIGNS.map((c) => c.name)];
}

/**
 * Loads the sample company into the application: topics and example campaigns, customers,
 * consents with their evidence, suppressions, purchase and satisfaction events, and launches
 * every demo campaign. Idempotent: customers by externalId, consents and events only for
 * customers that have none yet, campaigns by name (launched only while still drafts).
 *
 * Order matters for the trigger campaigns: the win-back example is launched before the
 * customers' past is recorded (so one customer can lapse after it), the others after it (so
 * past purchases are history, not triggers), and today's events follow the first planner tick.
 */
export async function loadDemo(
  app: INestApplicationContext,
  opts: DemoOptions = {},
): Promise<DemoLoadReport> {
  const actor = opts.actor ?? DEMO_ACTOR;
  const log = opts.log ?? (() => undefined);
  const db = app.get(DataSource);
  const clock = app.get(Clock);
  const customers = app.get(CustomersService);
  const campaigns = app.get(CampaignsService);
  const report: DemoLoadReport = {
    alreadyLoaded: false,
    customersCreated: 0,
    consentEventsRecorded: 0,
    eventsRecorded: 0,
    campaignsCreated: 0,
    launched: [],
    launchErrors: [],
    waitUntil: null,
  };

  // Topics and the example drafts (idempotent by name), then the demo's own drafts.
  const before = await countCampaigns(db, demoCampaignNames(clock.now()));
  await app.get(CampaignExamplesService).create(actor);
  for (const def of DEMO_CAMPAIGNS) await ensureDraft(db, campaigns, def, actor);
  report.campaignsCreated = (await countCampaigns(db, demoCampaignNames(clock.now()))) - before;

  // Customers (upsert by externalId) and, for new ones, their consents and suppressions.
  const ids = new Map<string, string>();
  for (const c of DEMO_CUSTOMERS) {
    const {
      consents: _c,
      history: _h,
      today: _t,
      lapsesDuringDemo: _l,
      suppressEmail: _s,
      ...dto
    } = c;
    const { created, customer } = await customers.upsert(dto);
    ids.set(c.externalId, customer.id);
    if (created) report.customersCreated++;
    const [{ n }]: { n: number }[] = await db.query(
      `SELECT count(*)::int AS n FROM consent_events WHERE customer_id = $1`,
      [customer.id],
    );
    if (n === 0) {
      for (const consent of c.consents)
        report.consentEventsRecorded += await recordConsent(app, customer.id, c, consent, actor);
    }
    if (c.suppressEmail && c.email) {
      await db.transaction((m) =>
        app.get(SuppressionService).add(
          {
            type: 'email',
            value: c.email as string,
            reason: 'hard_bounce',
            customerId: customer.id,
            note: 'demo: bounced before',
          },
          actor,
          m,
        ),
      );
    }
  }
  log(`customers: ${DEMO_CUSTOMERS.length} (${report.customersCreated} new)`);

  // Win-back first: the lapsing customer's last purchase is placed relative to its launch.
  await launchDrafts(campaigns, db, [WINBACK_EXAMPLE], actor, report);
  const [winback]: { launched_at: Date | null }[] = await db.query(
    `SELECT launched_at FROM campaigns WHERE name = $1 AND status <> 'cancelled'
      ORDER BY created_at LIMIT 1`,
    [WINBACK_EXAMPLE],
  );
  const consumerPolicy = (await app.get(PoliciesService).current('consumer')).policy;

  const now = clock.now();
  for (const c of DEMO_CUSTOMERS) {
    const id = ids.get(c.externalId) as string;
    const events: Record<string, unknown>[] = c.history.map((e, i) =>
      eventBody(id, e, now, `${c.externalId}:history:${i}`),
    );
    if (c.lapsesDuringDemo && winback?.launched_at) {
      const lapseAt = winback.launched_at.getTime() + LAPSE_MARGIN_MS;
      const occurred = new Date(lapseAt - consumerPolicy.lapseDays * DAY_MS);
      events.push({
        ...eventBody(id, { type: 'purchase', daysAgo: 0, amount: 2490, currency: 'RUB' }, now, ''),
        occurredAt: occurred.toISOString(),
        data: { demoKey: `${c.externalId}:last-purchase` },
      });
    }
    const recorded = await recordNewEvents(app, db, id, events);
    report.eventsRecorded += recorded;
    if (recorded > 0 && c.lapsesDuringDemo && winback?.launched_at)
      report.waitUntil = new Date(winback.launched_at.getTime() + LAPSE_MARGIN_MS + 500);
  }

  // Everything else, after the past: past purchases are history, not triggers.
  await launchDrafts(campaigns, db, demoCampaignNames(now), actor, report);
  log(`campaigns launched now: ${report.launched.length}`);

  // The first tick records each trigger campaign's starting point; today's events come after it.
  await app.get(PlannerService).tick();
  for (const c of DEMO_CUSTOMERS) {
    if (!c.today?.length) continue;
    const id = ids.get(c.externalId) as string;
    const at = clock.now();
    report.eventsRecorded += await recordNewEvents(
      app,
      db,
      id,
      c.today.map((e, i) => eventBody(id, e, at, `${c.externalId}:today:${i}`)),
    );
  }
  report.alreadyLoaded =
    report.customersCreated === 0 &&
    report.consentEventsRecorded === 0 &&
    report.campaignsCreated === 0 &&
    report.launched.length === 0 &&
    report.eventsRecorded === 0;
  return report;
}

/**
 * Drives the planner and the sender until nothing is due now: every launched step is planned
 * and every due delivery handed over (deferred ones stay planned for their time). Bounded.
 */
export async function runDemo(
  app: INestApplicationContext,
  opts: { waitUntil?: Date | null; maxRounds?: number; log?: (line: string) => void } = {},
): Promise<DemoRunReport> {
  const planner = app.get(PlannerService);
  const sender = app.get(SenderService);
  const clock = app.get(Clock);
  const maxRounds = opts.maxRounds ?? 60;
  const result: DemoRunReport = { rounds: 0, sent: 0, other: 0 };
  while (result.rounds < maxRounds) {
    result.rounds++;
    const tick = await planner.tick();
    const decided = [...tick.steps, ...tick.triggers].reduce((a, s) => a + s.decided, 0);
    const sent = await sender.tick();
    result.sent += sent.sent;
    result.other += sent.claimed - sent.sent;
    const waiting = opts.waitUntil ? clock.now() < opts.waitUntil : false;
    if (decided === 0 && sent.claimed === 0 && !waiting) break;
    // Only while waiting for the lapse: the next tick is worth taking half a second later.
    if (decided === 0 && sent.claimed === 0) await new Promise((r) => setTimeout(r, 500));
  }
  opts.log?.(`ran ${result.rounds} planner/sender rounds`);
  return result;
}

async function countCampaigns(db: DataSource, names: string[]): Promise<number> {
  const [{ n }]: { n: number }[] = await db.query(
    `SELECT count(DISTINCT name)::int AS n FROM campaigns WHERE name = ANY($1::text[]) AND status <> 'cancelled'`,
    [names],
  );
  return n;
}

async function ensureDraft(
  db: DataSource,
  campaigns: CampaignsService,
  def: CampaignDefinition,
  actor: string,
): Promise<void> {
  const found: unknown[] = await db.query(
    `SELECT 1 FROM campaigns WHERE name = $1 AND status <> 'cancelled'`,
    [def.name],
  );
  if (!found.length) await campaigns.createDraft(def, actor);
}

/** Launches the named campaigns that are still drafts; a refusal is reported, not thrown. */
async function launchDrafts(
  campaigns: CampaignsService,
  db: DataSource,
  names: string[],
  actor: string,
  report: DemoLoadReport,
): Promise<void> {
  const drafts: { id: string; name: string }[] = await db.query(
    `SELECT id, name FROM campaigns WHERE name = ANY($1::text[]) AND status = 'draft' ORDER BY created_at`,
    [names],
  );
  for (const d of drafts) {
    try {
      await campaigns.launch(d.id, false, actor);
      report.launched.push(d.name);
    } catch (err) {
      const detail = isDomainError(err) ? err.messages.join('; ') : (err as Error).message;
      report.launchErrors.push(`${d.name}: ${detail}`);
      new Logger('Demo').warn(`campaign ${d.id} not launched: ${detail}`);
    }
  }
}

/** The consent story of one customer, event by event, with the wording shown and its evidence. */
async function recordConsent(
  app: INestApplicationContext,
  customerId: string,
  customer: DemoCustomer,
  c: DemoConsent,
  actor: string,
): Promise<number> {
  const consent = app.get(ConsentService);
  const text = WORDING[`${c.channel}:${c.topic}`];
  const locale = customer.locale === 'ru' ? 'ru' : 'en';
  const wording = { wording: text[locale], wordingVersion: text.version };
  const base = { customerId, channel: c.channel, topic: c.topic, actor };
  const form = c.flow === 'confirmed' ? EVIDENCE.checkout : EVIDENCE.webForm;
  await consent.record({
    ...base,
    action: 'grant',
    source: form.source,
    confirmed: c.flow === 'confirmed' || c.flow === 'withdrawn',
    evidence: { ip: form.ip, userAgent: form.userAgent, ...wording },
  });
  if (c.flow === 'double-opt-in') {
    await consent.record({
      ...base,
      action: 'confirm',
      source: EVIDENCE.confirmLink.source,
      evidence: {
        ip: EVIDENCE.confirmLink.ip,
        userAgent: EVIDENCE.confirmLink.userAgent,
        ...wording,
      },
    });
    return 2;
  }
  if (c.flow === 'withdrawn') {
    await consent.record({
      ...base,
      action: 'withdraw',
      source: EVIDENCE.preferencePage.source,
      evidence: { ip: EVIDENCE.preferencePage.ip, userAgent: EVIDENCE.preferencePage.userAgent },
    });
    return 2;
  }
  return 1;
}

function eventBody(
  customerId: string,
  e: DemoEvent,
  now: Date,
  demoKey: string,
): Record<string, unknown> {
  return {
    customerId,
    type: e.type,
    occurredAt: new Date(now.getTime() - e.daysAgo * DAY_MS).toISOString(),
    ...(e.amount !== undefined ? { amount: e.amount, currency: e.currency } : {}),
    ...(e.score !== undefined ? { score: e.score } : {}),
    data: { demoKey },
  };
}

/** Records the events whose demoKey the customer does not have yet (re-runs add nothing). */
async function recordNewEvents(
  app: INestApplicationContext,
  db: DataSource,
  customerId: string,
  events: Record<string, unknown>[],
): Promise<number> {
  if (!events.length) return 0;
  const rows: { key: string }[] = await db.query(
    `SELECT data->>'demoKey' AS key FROM customer_events WHERE customer_id = $1 AND data->>'demoKey' IS NOT NULL`,
    [customerId],
  );
  const have = new Set(rows.map((r) => r.key));
  const todo = events.filter((e) => !have.has(String((e.data as { demoKey: string }).demoKey)));
  if (todo.length) await app.get(EventsService).record(todo);
  return todo.length;
}
