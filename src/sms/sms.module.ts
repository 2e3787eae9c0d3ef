import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { TwilioInboundController } from './twilio-inbound.controller';
import { TwilioInboundService } from './twilio-inbound.service';

@Module({
  imports: [ConsentModule],
  controllers: [TwilioInboundController],
  providers: [TwilioInboundService],
  exports: [TwilioInboundService],
})
export class SmsModule {}
