import { outcomeRecord } from './outcome-record';
import type { ClaimedDelivery } from './sql/claim-due-deliveries';

const row = {
  id: 'd1',
  step: 2,
  topic: 'tips',
  attempts: 1,
  template_name: 'tips',
  template_version: 3,
  consent_event_id: '42',
} as ClaimedDelivery;

describe('outcomeRecord', () => {
  it('a sent message keeps its provider id, hash and content', () => {
    const r = outcomeRecord(row, {
      kind: 'sent',
      content: { channel: 'voice', brief: 'hi' },
      providerId: 'p1',
      providerStatus: 'queued',
      contentHash: 'h1',
      transport: 'outbox',
      consentAtSend: { topic: '42', all: null },
    });
    expect(r).toMatchObject({
      id: 'd1',
      status: 'sent',
      nextAttemptAt: null,
      providerId: 'p1',
      contentHash: 'h1',
      error: null,
      type: 'delivery.sent',
      reason: null,
      content: JSON.stringify({ channel: 'voice', brief: 'hi' }),
    });
    expect(JSON.parse(r.data)).toEqual({
      attempts: 1,
      step: 2,
      topic: 'tips',
      templateName: 'tips',
      templateVersion: 3,
      contentHash: 'h1',
      providerId: 'p1',
      transport: 'outbox',
      consentEventId: '42',
      consentAtSend: { topic: '42', all: null },
    });
  });

  it('a retry stays planned until its next attempt, its code the reason', () => {
    const until = new Date('2026-11-23T12:00:30Z');
    const r = outcomeRecord(row, { kind: 'retry', until, code: 'smtp_451', error: 'later' });
    expect(r).toMatchObject({
      status: 'planned',
      nextAttemptAt: until,
      error: 'smtp_451: later',
      type: 'delivery.retry',
      reason: 'smtp_451',
      content: null,
    });
  });

  it('a deferral and a cancel give their reason and no error', () => {
    const until = new Date('2026-11-24T06:00:00Z');
    expect(outcomeRecord(row, { kind: 'deferred', until, reason: 'quiet_hours' })).toMatchObject({
      status: 'planned',
      reason: 'quiet_hours',
      error: null,
      type: 'delivery.deferred',
    });
    expect(outcomeRecord(row, { kind: 'cancelled', reason: 'suppressed' })).toMatchObject({
      status: 'cancelled',
      nextAttemptAt: null,
      reason: 'suppressed',
      type: 'delivery.cancelled',
    });
  });
});
