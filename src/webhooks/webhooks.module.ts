import { Module } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Outbound webhooks: endpoints (admin API), the outbox the audit trigger fills, the dispatcher
 * that sends it signed (Standard Webhooks).
 */
@Module({
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookDispatcher],
  exports: [WebhooksService, WebhookDispatcher],
})
export class WebhooksModule {}
