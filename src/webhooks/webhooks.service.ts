import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { invalid, notFound } from '../common/domain-error';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { newWebhookSecret, sealWebhookSecret } from './webhook-secret';
import {
  deleteEndpoint,
  insertEndpoint,
  listEndpoints,
  recentAttempts,
  resend,
} from './webhook-sql';
import { webhookUrlProblem } from './webhook-url';
import type {
  CreatedWebhookDto,
  CreateWebhookDto,
  ResentWebhookDto,
  WebhookAttemptDto,
  WebhookEndpointDto,
} from './webhooks.dto';

/** Attempts shown per endpoint. */
export const RECENT_ATTEMPTS = 50;

/** Endpoints admins register for outbound webhooks: create (secret shown once), list, delete, resend. */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateWebhookDto, actor: string): Promise<CreatedWebhookDto> {
    const problem = webhookUrlProblem(dto.url);
    if (problem) throw invalid([problem]);
    const secret = newWebhookSecret();
    const at = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const row = await insertEndpoint(m, {
        url: dto.url,
        events: dto.events,
        secretSealed: sealWebhookSecret(secret, this.settings.secret),
        at,
        by: actor,
      });
      // The URL is not personal data, but it may hold a token of the receiver's: not audited.
      await this.audit.record(
        {
          type: 'admin.webhook_created',
          actor,
          at,
          data: { endpointId: row.id, events: dto.events },
        },
        m,
      );
      return { id: row.id, url: row.url, events: row.events, createdAt: row.created_at, secret };
    });
  }

  async list(): Promise<WebhookEndpointDto[]> {
    const rows = await listEndpoints(this.dataSource);
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      events: r.events,
      createdAt: r.created_at,
      pending: r.pending,
      failed: r.failed,
    }));
  }

  async remove(id: string, actor: string): Promise<void> {
    const at = this.clock.now();
    await this.dataSource.transaction(async (m) => {
      if (!(await deleteEndpoint(m, id, at))) throw notFound(`webhook ${id} not found`);
      await this.audit.record(
        { type: 'admin.webhook_deleted', actor, at, data: { endpointId: id } },
        m,
      );
    });
  }

  async attempts(endpointId: string): Promise<WebhookAttemptDto[]> {
    const rows = await recentAttempts(this.dataSource, endpointId, RECENT_ATTEMPTS);
    return rows.map((r) => ({
      id: String(r.id),
      messageId: String(r.outbox_id),
      event: r.event_type,
      at: r.at,
      statusCode: r.status_code,
      answer: r.answer,
      messageStatus: r.outbox_status,
    }));
  }

  /** Sends a message again now (after it failed, or to replay it to a receiver that lost it). */
  async resend(endpointId: string, messageId: string): Promise<ResentWebhookDto> {
    if (!/^\d{1,18}$/.test(messageId)) throw invalid(['messageId must be a number']);
    if (!(await resend(this.dataSource, endpointId, messageId, this.clock.now()))) {
      throw notFound(`message ${messageId} of webhook ${endpointId} not found`);
    }
    return { messageId, status: 'pending' };
  }
}
