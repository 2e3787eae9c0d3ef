import { Module } from '@nestjs/common';
import { DeliverabilityWarnings } from './deliverability-warnings';
import { MailService } from './mail.service';

/** E-mail out: pooled SMTP or the outbox folder. SETTINGS and Clock come from the core module. */
@Module({
  providers: [MailService, DeliverabilityWarnings],
  exports: [MailService],
})
export class MailModule {}
