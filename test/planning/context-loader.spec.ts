import { randomUUID } from 'node:crypto';
import { DecisionContextLoader, consentEventFor } from '../../src/planning/decision-context.loader';
import type { Category } from '../../src/policy/engine';
import { addressHash } from '../../src/suppression/suppression.service';
import {
  aDelivery,
  aSuppression,
  sql,
  type SqlExpression,
  type SuppressionRow,
} from '../support/builders';
import { createTestApp, TestApp } from '../support/test-app';
import {
  DAY,
  ensureTopic,
  grantConsent,
  insertCampaign,
  insertCustomers,
  ManualClock,
} from './fixtures';

const NOW = new Date('2026-03-02T09:00:00Z');

describe('DecisionContextLoader', () => {
  let t: TestApp;
  let loader: DecisionContextLoader;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    t = await createTestApp({ clock });
    loader = t.app.get(DecisionContextLoader);
    await ensureTopic(t.db, 'offers', 'promotional');
    await ensureTopic(t.db, 'reviews', 'service');
  });
  afterAll(() => t.close());

  it('loads facts, consent with its ledger rows, preferences, history and suppressions in two statements', async () => {
    const [a, b, c, d, e] = await insertCustomers(t.db, [
      { email: 'a@example.com', phone: '+79161234567', timezone: 'Europe/Moscow' },
      { kind: 'business', email: 'B@Example.com', accountManagerPhone: '+79160000000' },
      { email: 'c@example.com', phone: '+7 916 123-45-68' },
      { email: 'd@example.com', phone: null },
      { email: 'erased@example.com' },
    ]);
    await t.db.query(`UPDATE customers SET erased_at = $2, email = NULL WHERE id = $1`, [e, NOW]);
    const allEmail = await grantConsent(t.db, a, 'email', '*', 'granted');
    const offersEmail = await grantConsent(t.db, a, 'email', 'offers', 'confirmed');
    await grantConsent(t.db, a, 'sms', '*', 'withdrawn');
    await t.db.query(
      `INSERT INTO customer_preferences (customer_id, max_frequency, paused_until, preferred_channels)
       VALUES ($1, 'quarter', $2, '{sms,email}')`,
      [b, new Date(NOW.getTime() + 10 * DAY)],
    );
    // History: a sent promo 10 days ago then an engagement; a planned review request; a
    // cancelled one (ignored) and one too old to matter.
    const campaign = await insertCampaign(t.db, { topic: 'offers' });
    const review = await insertCampaign(t.db, { topic: 'reviews', goal: 'review' });
    const insertDelivery = (
      customer: string,
      campaignId: string,
      step: number,
      status: string,
      notBefore: Date,
      extra: { sentAt?: Date; goal?: string; category?: Category; topic?: string } = {},
    ) =>
      aDelivery(t.db, {
        campaignId,
        step,
        customerId: customer,
        category: extra.category ?? 'promotional',
        topic: extra.topic ?? 'offers',
        goal: extra.goal ?? 'retention',
        status,
        notBefore,
        plannedAt: notBefore,
        sentAt: extra.sentAt ?? null,
      });
    await insertDelivery(a, campaign, 0, 'sent', new Date(NOW.getTime() - 10 * DAY), {
      sentAt: new Date(NOW.getTime() - 10 * DAY + 60_000),
    });
    await insertDelivery(a, campaign, 1, 'cancelled', new Date(NOW.getTime() - 5 * DAY));
    await insertDelivery(a, campaign, 2, 'sent', new Date(NOW.getTime() - 500 * DAY));
    await insertDelivery(b, review, 0, 'planned', new Date(NOW.getTime() + DAY), {
      goal: 'review',
      category: 'service',
      topic: 'reviews',
    });
    await t.db.query(
      `INSERT INTO customer_events (customer_id, type, occurred_at) VALUES ($1, 'engagement', $2)`,
      [a, new Date(NOW.getTime() - 9 * DAY)],
    );
    // Suppressions by hash: c's phone bounced hard (e-mail still open), d complained.
    const suppress = (
      addressType: 'email' | 'phone',
      address: string,
      reason: SuppressionRow['reason'],
      liftedAt?: SqlExpression,
    ) =>
      aSuppression(t.db, {
        addressType,
        addressHash: addressHash(addressType, address),
        reason,
        liftedAt,
      });
    await suppress('phone', '+79161234568', 'hard_bounce');
    await suppress('email', 'd@example.com', 'complaint');
    await suppress('email', 'b@example.com', 'hard_bounce');
    await suppress('email', 'a@example.com', 'do_not_contact', sql('now()'));

    const manager = t.db.createEntityManager();
    const query = jest.spyOn(manager, 'query');
    const missing = randomUUID();
    const out = await loader.load([a, b, c, d, e, missing], {
      now: NOW,
      historyDays: 365,
      manager,
    });
    // Facts, consent, preferences and history in one statement; suppressions by hash after it.
    expect(query).toHaveBeenCalledTimes(2);
    expect(out.has(missing)).toBe(false);

    const ca = out.get(a)!;
    expect(ca.customer).toEqual(
      expect.objectContaining({
        id: a,
        kind: 'consumer',
        timezone: 'Europe/Moscow',
        hasEmail: true,
        hasPhone: true,
        hasAccountManagerPhone: false,
        purchaseCount: 1,
        lapseId: 'after:2026-01-01T00:00:00.000Z',
      }),
    );
    expect(ca.consent.entries).toEqual([
      expect.objectContaining({ channel: 'email', topic: '*', status: 'granted' }),
      expect.objectContaining({ channel: 'email', topic: 'offers', status: 'confirmed' }),
      expect.objectContaining({ channel: 'sms', topic: '*', status: 'withdrawn' }),
    ]);
    expect(ca.consent.entries.find((e) => e.topic === '*' && e.channel === 'email')?.eventId).toBe(
      allEmail,
    );
    expect(consentEventFor(ca, 'email', 'offers')).toBe(offersEmail);
    expect(consentEventFor(ca, 'email', 'tips')).toBe(allEmail);
    expect(consentEventFor(ca, 'sms', 'offers')).toBeNull();
    expect(ca.preferences).toBeNull();
    expect(ca.suppression).toBeNull(); // the lifted entry no longer counts
    expect(ca.history).toEqual([
      expect.objectContaining({
        campaignId: campaign,
        step: 0,
        category: 'promotional',
        engaged: true,
        at: new Date(NOW.getTime() - 10 * DAY + 60_000),
      }),
    ]);

    const cb = out.get(b)!;
    expect(cb.customer.kind).toBe('business');
    expect(cb.customer.hasAccountManagerPhone).toBe(true);
    expect(cb.preferences).toEqual({
      maxFrequency: 'quarter',
      pausedUntil: new Date(NOW.getTime() + 10 * DAY),
      preferredChannels: ['sms', 'email'],
    });
    expect(cb.history).toEqual([
      expect.objectContaining({ campaignId: review, goal: 'review', engaged: false }),
    ]);
    // Upper-case address, hashed after normalisation; its only address bounced.
    expect(cb.customer.hasEmail).toBe(false);
    expect(cb.suppression).toEqual({ suppressed: true, reason: 'hard_bounce (email)' });

    const cc = out.get(c)!;
    expect(cc.customer.hasPhone).toBe(false);
    expect(cc.customer.hasEmail).toBe(true);
    expect(cc.suppression).toBeNull();

    expect(out.get(d)!.suppression).toEqual({ suppressed: true, reason: 'complaint (email)' });
    expect(out.get(e)!.suppression).toEqual({ suppressed: true, reason: 'erasure' });
  });

  it('loads preferences whose channel lists differ in length, and customers with none', async () => {
    const [a, b, c, d] = await insertCustomers(t.db, [
      { email: 'p1@example.com' },
      { email: 'p2@example.com' },
      { email: 'p3@example.com' },
      { email: 'p4@example.com' },
    ]);
    await t.db.query(
      `INSERT INTO customer_preferences (customer_id, max_frequency, paused_until, preferred_channels)
       VALUES ($1, NULL, NULL, '{}'), ($2, 'year', NULL, '{sms,email,voice}'), ($3, NULL, NULL, '{email}')`,
      [a, b, c],
    );
    const out = await loader.load([a, b, c, d].sort(), { now: NOW, historyDays: 30 });
    expect(out.size).toBe(4);
    expect(out.get(a)!.preferences).toEqual({
      maxFrequency: null,
      pausedUntil: null,
      preferredChannels: [],
    });
    expect(out.get(b)!.preferences?.preferredChannels).toEqual(['sms', 'email', 'voice']);
    expect(out.get(b)!.preferences?.maxFrequency).toBe('year');
    expect(out.get(c)!.preferences?.preferredChannels).toEqual(['email']);
    expect(out.get(d)!.preferences).toBeNull();
    expect(out.get(d)!.consent.entries).toEqual([]);
    expect(out.get(d)!.history).toEqual([]);
  });

  it('returns an empty map without querying for an empty batch', async () => {
    const manager = t.db.createEntityManager();
    const query = jest.spyOn(manager, 'query');
    expect((await loader.load([], { now: NOW, historyDays: 30, manager })).size).toBe(0);
    expect(query).not.toHaveBeenCalled();
  });
});
