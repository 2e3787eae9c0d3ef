import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { lifecycleStage } from '../customers/lifecycle';
import { demoCampaignNames, type DemoLoadReport, type DemoRunReport } from './sample-company';
import { DEMO_PREFIX } from './sample-data';

/** What the demo did, read back from the database and the outbox, and printed for a person. */
export interface DemoSummary {
  customers: {
    total: number;
    byKind: Record<string, number>;
    byLocale: Record<string, number>;
    byStage: Record<string, number>;
  };
  consents: {
    ledgerEvents: number;
    byAction: Record<string, number>;
    stateByStatus: Record<string, number>;
    customersWithout: number;
  };
  campaigns: {
    name: string;
    status: string;
    sent: number;
    waiting: number;
    skipped: number;
    nextDueAt: Date | null;
  }[];
  deliveries: Record<string, number>;
  /** Planned deliveries whose time has not come (quiet hours, trigger delays, budget). */
  dueLater: number;
  nextDueAt: Date | null;
  decisions: Record<string, number>;
  skipsByReason: Record<string, number>;
  defersByReason: Record<string, number>;
  outbox: { dir: string; eml: number; json: number };
}

const increment = (map: Record<string, number>, key: string, by = 1) => {
  map[key] = (map[key] ?? 0) + by;
};

/** What the demo did, read back from the database and the outbox. */
export async function demoSummary(app: INestApplicationContext): Promise<DemoSummary> {
  const db = app.get(DataSource);
  const clock = app.get(Clock);
  const settings = app.get<Settings>(SETTINGS);
  const now = clock.now();
  const like = `${DEMO_PREFIX}%`;

  const people: {
    id: string;
    kind: 'consumer' | 'business';
    locale: string;
    purchase_count: number;
    last_purchase_at: Date | null;
  }[] = await db.query(
    `SELECT id, kind, locale, purchase_count, last_purchase_at FROM customers
      WHERE external_id LIKE $1 AND erased_at IS NULL`,
    [like],
  );
  const customers: DemoSummary['customers'] = {
    total: people.length,
    byKind: {},
    byLocale: {},
    byStage: {},
  };
  for (const p of people) {
    increment(customers.byKind, p.kind);
    increment(customers.byLocale, p.locale);
    increment(
      customers.byStage,
      // The same stages the audiences use (src/audiences/compile-audience.ts).
      lifecycleStage({ purchaseCount: p.purchase_count, lastPurchaseAt: p.last_purchase_at }, now),
    );
  }
  const ids = people.map((p) => p.id);

  const consents: DemoSummary['consents'] = {
    ledgerEvents: 0,
    byAction: {},
    stateByStatus: {},
    customersWithout: 0,
  };
  for (const r of (await db.query(
    `SELECT action, count(*)::int AS n FROM consent_events WHERE customer_id = ANY($1::uuid[]) GROUP BY action`,
    [ids],
  )) as { action: string; n: number }[]) {
    consents.byAction[r.action] = r.n;
    consents.ledgerEvents += r.n;
  }
  for (const r of (await db.query(
    `SELECT status, count(*)::int AS n FROM consent_state WHERE customer_id = ANY($1::uuid[]) GROUP BY status`,
    [ids],
  )) as { status: string; n: number }[])
    consents.stateByStatus[r.status] = r.n;
  const [{ without }]: { without: number }[] = await db.query(
    `SELECT count(*)::int AS without FROM unnest($1::uuid[]) AS u(id)
      WHERE NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = u.id)`,
    [ids],
  );
  consents.customersWithout = without;

  const rows: { id: string; name: string; status: string }[] = await db.query(
    `SELECT DISTINCT ON (name) id, name, status FROM campaigns
      WHERE name = ANY($1::text[]) AND status <> 'cancelled' ORDER BY name, created_at`,
    [demoCampaignNames(now)],
  );
  const campaignIds = rows.map((r) => r.id);
  const perCampaign = new Map<string, { sent: number; waiting: number; next: Date | null }>();
  const deliveries: Record<string, number> = {};
  let dueLater = 0;
  let nextDueAt: Date | null = null;
  for (const r of (await db.query(
    `SELECT campaign_id, status, count(*)::int AS n,
            count(*) FILTER (WHERE status = 'planned' AND not_before > $2)::int AS later,
            min(not_before) FILTER (WHERE status = 'planned') AS next
       FROM deliveries WHERE campaign_id = ANY($1::uuid[]) GROUP BY campaign_id, status`,
    [campaignIds, now],
  )) as { campaign_id: string; status: string; n: number; later: number; next: Date | null }[]) {
    increment(deliveries, r.status, r.n);
    dueLater += r.later;
    const c = perCampaign.get(r.campaign_id) ?? { sent: 0, waiting: 0, next: null };
    if (['sent', 'delivered'].includes(r.status)) c.sent += r.n;
    if (r.status === 'planned') {
      c.waiting += r.n;
      c.next = r.next;
      if (r.next && (!nextDueAt || r.next < nextDueAt)) nextDueAt = r.next;
    }
    perCampaign.set(r.campaign_id, c);
  }
  const decisions: Record<string, number> = {};
  const skipsByReason: Record<string, number> = {};
  const defersByReason: Record<string, number> = {};
  const skippedBy = new Map<string, number>();
  for (const r of (await db.query(
    `SELECT campaign_id, type, coalesce(reason, '') AS reason, count(*)::int AS n FROM audit_events
      WHERE campaign_id = ANY($1::uuid[]) AND type LIKE 'decision.%'
      GROUP BY campaign_id, type, reason`,
    [campaignIds],
  )) as { campaign_id: string; type: string; reason: string; n: number }[]) {
    increment(decisions, r.type.slice('decision.'.length), r.n);
    if (r.type === 'decision.skip') {
      increment(skipsByReason, r.reason, r.n);
      skippedBy.set(r.campaign_id, (skippedBy.get(r.campaign_id) ?? 0) + r.n);
    }
    if (r.type === 'decision.defer') increment(defersByReason, r.reason, r.n);
  }
  const steps: { campaign_id: string; due_at: Date }[] = await db.query(
    `SELECT campaign_id, min(due_at) AS due_at FROM campaign_steps
      WHERE campaign_id = ANY($1::uuid[]) AND status = 'pending' GROUP BY campaign_id`,
    [campaignIds],
  );
  const stepDue = new Map(steps.map((s) => [s.campaign_id, s.due_at]));

  const dir = join(settings.dataDir, 'outbox');
  const files = await readdir(dir).catch(() => [] as string[]);
  return {
    customers,
    consents,
    campaigns: rows.map((r) => {
      const c = perCampaign.get(r.id);
      return {
        name: r.name,
        status: r.status,
        sent: c?.sent ?? 0,
        waiting: c?.waiting ?? 0,
        skipped: skippedBy.get(r.id) ?? 0,
        nextDueAt: stepDue.get(r.id) ?? c?.next ?? null,
      };
    }),
    deliveries,
    dueLater,
    nextDueAt,
    decisions,
    skipsByReason,
    defersByReason,
    outbox: {
      dir,
      eml: files.filter((f) => f.endsWith('.eml')).length,
      json: files.filter((f) => f.endsWith('.json')).length,
    },
  };
}

const list = (map: Record<string, number>): string =>
  Object.entries(map)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

const when = (d: Date | null): string =>
  d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '—';

/** The printed summary: a few lines a person can read at a glance. */
export function formatSummary(
  s: DemoSummary,
  ctx: { settings: Settings; load?: DemoLoadReport; run?: DemoRunReport; adminKeyHint: string },
): string {
  const out: string[] = [];
  const { settings, load } = ctx;
  out.push(`Tactful demo — ${settings.company.name}`);
  if (load?.alreadyLoaded)
    out.push('The demo was already loaded: nothing new was added; planner and sender ran again.');
  out.push(
    `Customers:  ${s.customers.total} (${list(s.customers.byKind)}; ${list(s.customers.byLocale)}) — ${list(s.customers.byStage)}`,
  );
  out.push(
    `Consents:   ${s.consents.ledgerEvents} ledger events with evidence (${list(s.consents.byAction)}); ` +
      `now ${list(s.consents.stateByStatus)}; ${s.consents.customersWithout} customers without any consent`,
  );
  out.push(`Campaigns:  ${s.campaigns.length}`);
  const width = Math.max(...s.campaigns.map((c) => c.name.length), 10);
  for (const c of s.campaigns) {
    const next = c.nextDueAt ? `, next ${when(c.nextDueAt)}` : '';
    out.push(
      `  ${c.name.padEnd(width)}  ${c.status.padEnd(9)}  sent ${c.sent}, waiting ${c.waiting}, skipped ${c.skipped}${next}`,
    );
  }
  out.push(`Decisions:  ${list(s.decisions)}`);
  out.push(`Skips:      ${list(s.skipsByReason)}`);
  out.push(`Deferred:   ${list(s.defersByReason)}`);
  out.push(
    `Deliveries: ${list(s.deliveries)}; ${s.dueLater} planned for later (next ${when(s.nextDueAt)})`,
  );
  const providers = [
    settings.smtpUrl ? 'e-mail went to SMTP_URL' : null,
    settings.twilio.accountSid ? 'SMS and calls went to Twilio' : null,
  ].filter(Boolean);
  out.push(
    `Outbox:     ${s.outbox.dir} (${s.outbox.eml} .eml, ${s.outbox.json} .json)` +
      (providers.length ? `; ${providers.join(', ')}` : ''),
  );
  out.push(
    'Note: the demo runs on the real clock. Messages for customers in their quiet hours (outside 09:00–20:00 local)',
  );
  out.push(
    '      and trigger delays (care 48 h after a purchase, review request 2 h after a good score) stay planned;',
  );
  out.push(
    `      \`npm start\` sends them when due. The audit: GET /v1/audit (decision.* rows carry the reasons).`,
  );
  out.push(ctx.adminKeyHint);
  out.push(
    `Console:    ${settings.publicUrl}/console (after \`npm start\`); API docs ${settings.publicUrl}/docs`,
  );
  return out.join('\n');
}

/** How to find the admin key: the environment, printed above on first start, or shown once before. */
export async function adminKeyHint(app: INestApplicationContext, startedAt: Date): Promise<string> {
  const settings = app.get<Settings>(SETTINGS);
  if (settings.adminKey) return 'Admin key: the value of TACTFUL_ADMIN_KEY';
  const rows: { created_at: Date }[] = await app
    .get(DataSource)
    .query(
      `SELECT created_at FROM api_keys WHERE name = 'bootstrap admin' ORDER BY created_at LIMIT 1`,
    );
  if (rows.length && rows[0].created_at >= new Date(startedAt.getTime() - 1000))
    return 'Admin key: the bootstrap admin key printed above (shown once; keep it)';
  return 'Admin key: the bootstrap admin key shown on the first start (or set TACTFUL_ADMIN_KEY on a new database)';
}
