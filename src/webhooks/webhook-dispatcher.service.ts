import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { instruments } from '../common/instruments';
import { maskPersonal } from '../common/mask-personal';
import { PeriodicJob } from '../common/periodic-job';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { nextAttemptAt } from './webhook-backoff';
import { openWebhookSecret } from './webhook-secret';
import { claimDue, settle, type OutboxRow } from './webhook-sql';

const EVERY_MS = 1000;
const BATCH = 50;
/** Longer than a send can take (TIMEOUT_MS): a lease that runs out means the worker died. */
const LEASE_MS = 60_000;
const TIMEOUT_MS = 10_000;
const ANSWER_CHARS = 200;

export interface DispatchResult {
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * On worker instances: sends the outbox to its endpoints with the Standard Webhooks headers
 * (webhook-id, webhook-timestamp, webhook-signature), retries with back-off for a day, records
 * every attempt. At least once: a receiver deduplicates by webhook-id.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly job = new PeriodicJob(
    'webhook dispatch',
    EVERY_MS,
    () => this.dispatch(),
    this.logger,
  );

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.roles.includes('worker')) this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /** One pass: every due message, a batch at a time. */
  async dispatch(): Promise<DispatchResult> {
    const total: DispatchResult = { sent: 0, retrying: 0, failed: 0 };
    for (;;) {
      const now = this.clock.now();
      const due = await claimDue(this.dataSource, now, BATCH, new Date(now.getTime() + LEASE_MS));
      if (!due.length) return total;
      const outcomes = await Promise.all(due.map((m) => this.send(m)));
      for (const o of outcomes) total[o]++;
      if (due.length < BATCH) return total;
    }
  }

  private async send(m: OutboxRow): Promise<keyof DispatchResult> {
    const secrets = [this.settings.secret, ...this.settings.previousSecrets];
    const secret = openWebhookSecret(m.secret_sealed, secrets);
    const at = this.clock.now();
    const started = Date.now();
    let code: number | null = null;
    let answer: string;
    if (!secret) {
      answer = 'the endpoint secret cannot be opened with TACTFUL_SECRET';
    } else {
      const id = `msg_${m.id}`;
      const body = JSON.stringify({
        type: m.event_type,
        timestamp: new Date(m.occurred_at).toISOString(),
        data: m.payload,
      });
      try {
        const res = await fetch(m.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(TIMEOUT_MS),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Tactful-Webhooks/1',
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': new Webhook(secret).sign(id, at, body),
          },
          body,
        });
        code = res.status;
        answer = maskPersonal((await res.text().catch(() => '')).slice(0, ANSWER_CHARS));
      } catch (err) {
        answer = `no answer: ${err instanceof Error ? err.name : 'error'}`;
      }
    }
    const ok = code !== null && code >= 200 && code < 300;
    const next = ok ? null : nextAttemptAt(m.attempts + 1, new Date(m.occurred_at), at);
    const status = ok ? 'sent' : next ? 'pending' : 'failed';
    await settle(this.dataSource, {
      outboxId: m.id,
      endpointId: m.endpoint_id,
      status,
      nextAt: next,
      code,
      answer: answer || (code ? `HTTP ${code}` : ''),
      at,
      durationMs: Date.now() - started,
    });
    instruments.webhookAttempts.inc({ outcome: ok ? 'sent' : next ? 'retrying' : 'failed' });
    if (status === 'failed')
      this.logger.warn(`webhook message ${m.id} failed after a day of retries`);
    return ok ? 'sent' : next ? 'retrying' : 'failed';
  }
}
