import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { UnsubscribeModule } from '../unsubscribe/unsubscribe.module';
import { InboundMailController } from './inbound-mail.controller';
import { InboundMailService } from './inbound-mail.service';
import { EmailReplyService } from './email-reply.service';

/** POST /webhooks/email/inbound: raw e-mail routed to feedback or the mailto unsubscribe. */
@Module({
  imports: [DeliveryModule, UnsubscribeModule],
  controllers: [InboundMailController],
  providers: [InboundMailService, EmailReplyService],
})
export class InboundMailModule {}
