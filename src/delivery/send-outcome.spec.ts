import { DEFAULT_POLICIES } from '../policy/engine';
import { SendFailure } from './channels/channel';
import { checkBeforeSend, failureOutcome, renderFailure } from './send-outcome';
import type { ClaimedDelivery } from './sql/claim-due-deliveries';
import type { Recipient } from './sql/lock-recipients';

const NOW = new Date('2026-11-23T12:00:00Z');
const row = (over: Partial<ClaimedDelivery> = {}): ClaimedDelivery => ({
  id: 'd1',
  campaign_id: 'c1',
  step: 0,
  customer_id: 'u1',
  channel: 'email',
  category: 'content',
  topic: 'tips',
  goal: 'retention',
  template_name: 'tips',
  template_version: 1,
  policy_version: 1,
  consent_event_id: null,
  attempts: 1,
  campaign_name: 'Tips',
  effective_at: null,
  topic_title: null,
  campaign_reply_to: null,
  track_clicks: true,
  ...over,
});
const customer: Recipient = {
  id: 'u1',
  kind: 'consumer',
  name: 'Anna Petrova',
  email: 'anna@mail.example',
  phone: '+79161234567',
  company: null,
  locale: 'en',
  timezone: 'UTC',
  attributes: {},
  purchase_count: 0,
  last_purchase_at: null,
  account_manager_phone: null,
  account_manager_email: null,
  erased: false,
  track_clicks: true,
  needs_attention: false,
};
const granted = [
  { channel: 'email' as const, topic: 'tips', status: 'confirmed' as const, since: NOW },
];

describe('checkBeforeSend', () => {
  it('lets a consented e-mail go at noon', () => {
    expect(checkBeforeSend(row(), customer, granted, [], DEFAULT_POLICIES.consumer, NOW)).toBe(
      null,
    );
  });

  it('cancels marketing without consent and anything to an erased customer', () => {
    expect(checkBeforeSend(row(), customer, [], [], undefined, NOW)).toMatchObject({
      kind: 'cancelled',
    });
    expect(
      checkBeforeSend(row(), { ...customer, erased: true }, granted, [], undefined, NOW),
    ).toEqual({ kind: 'cancelled', reason: 'suppressed' });
  });

  it('defers a message that drifted into quiet hours', () => {
    const night = new Date('2026-11-23T23:30:00Z');
    const o = checkBeforeSend(row(), customer, granted, [], DEFAULT_POLICIES.consumer, night);
    expect(o).toMatchObject({ kind: 'deferred', reason: 'quiet_hours' });
  });
});

describe('failureOutcome', () => {
  it('masks the recipient in what the provider said', () => {
    const f = new SendFailure(
      'permanent',
      'smtp_550',
      '550 anna@mail.example unknown',
      'suppress_email',
    );
    const o = failureOutcome(row(), f, customer, 5, NOW);
    expect(o).toMatchObject({ kind: 'failed', code: 'smtp_550', action: 'suppress_email' });
    expect(JSON.stringify(o)).not.toContain('anna@mail.example');
  });

  it('never retries marketing that may have gone out; retries a service message', () => {
    const f = new SendFailure('ambiguous', 'ETIMEDOUT', 'timed out');
    expect(failureOutcome(row(), f, customer, 5, NOW).kind).toBe('unknown');
    const retry = failureOutcome(row({ category: 'service' }), f, customer, 5, NOW, () => 0);
    expect(retry).toMatchObject({ kind: 'retry', until: new Date(NOW.getTime() + 15_000) });
  });

  it('fails once the attempts run out', () => {
    const f = new SendFailure('transient', 'smtp_451', 'later');
    expect(failureOutcome(row({ attempts: 5 }), f, customer, 5, NOW)).toEqual({
      kind: 'failed',
      code: 'smtp_451',
      error: 'later (after 5 attempts)',
    });
  });
});

describe('renderFailure', () => {
  it('fails with the masked render error', () => {
    expect(renderFailure(new Error('no value for Anna Petrova'), customer)).toMatchObject({
      kind: 'failed',
      code: 'render_error',
    });
    expect(JSON.stringify(renderFailure(new Error('Anna Petrova'), customer))).not.toContain(
      'Anna Petrova',
    );
  });
});
