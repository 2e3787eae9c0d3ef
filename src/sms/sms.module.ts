import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { FollowUpsModule } from '../follow-ups/follow-ups.module';
import { MailModule } from '../mail/mail.module';
import { SmsReplyForwarder } from './sms-reply-forwarder';
import { TwilioInboundController } from './twilio-inbound.controller';
import { TwilioInboundService } from './twilio-inbound.service';

@Module({
  imports: [ConsentModule, FollowUpsModule, MailModule],
  controllers: [TwilioInboundController],
  providers: [TwilioInboundService, SmsReplyForwarder],
  exports: [TwilioInboundService],
})
export class SmsModule {}
