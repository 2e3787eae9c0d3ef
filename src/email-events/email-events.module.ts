import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { EmailEventsController } from './email-events.controller';
import { EmailEventsService } from './email-events.service';
import { HttpsSnsClient, SnsClient } from './sns-client';

/** Provider event webhooks: SES (SNS), SendGrid, Mailgun, Postmark → the e-mail feedback rules. */
@Module({
  imports: [DeliveryModule],
  controllers: [EmailEventsController],
  providers: [EmailEventsService, { provide: SnsClient, useClass: HttpsSnsClient }],
})
export class EmailEventsModule {}
