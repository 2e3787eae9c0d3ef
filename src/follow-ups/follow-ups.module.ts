import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { FollowUpOpener } from './follow-up-opener';
import { FollowUpsController } from './follow-ups.controller';
import { FollowUpsService } from './follow-ups.service';

/** Follow-ups: unhappy customers reach a person, and selling waits. */
@Module({
  imports: [MailModule],
  controllers: [FollowUpsController],
  providers: [FollowUpOpener, FollowUpsService],
  exports: [FollowUpOpener, FollowUpsService],
})
export class FollowUpsModule {}
