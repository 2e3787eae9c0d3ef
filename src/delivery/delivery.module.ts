import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ClicksModule } from '../clicks/clicks.module';
import { ConsentModule } from '../consent/consent.module';
import { FollowUpsModule } from '../follow-ups/follow-ups.module';
import { MailModule } from '../mail/mail.module';
import { PoliciesModule } from '../policy/policies.module';
import { TemplatesModule } from '../templates/templates.module';
import { TemplatesService } from '../templates/templates.service';
import { LinkTokenModule } from '../tokens/link-token.module';
import { CHANNEL_SENDERS, channelSendersProvider } from './channels/channel-registry';
import { FeedbackController } from './feedback/feedback.controller';
import { FailureActions } from './failure-actions';
import { MessagePreparer } from './message-preparer';
import { EmailReportFeedback } from './feedback/email-report-feedback';
import { ProviderFeedbackService } from './feedback/provider-feedback.service';
import { TwilioStatusFeedback } from './feedback/twilio-status-feedback';
import { MessageRenderer } from './renderer';
import { SenderService } from './sender.service';

/**
 * Deliveries: the worker that claims, checks, renders and hands over planned messages, the
 * channels (SMTP, Twilio SMS, Twilio bridged calls, outbox folder), and provider feedback.
 */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    MailModule,
    ConsentModule,
    PoliciesModule,
    LinkTokenModule,
    TemplatesModule,
    FollowUpsModule,
    ClicksModule,
  ],
  controllers: [FeedbackController],
  providers: [
    channelSendersProvider,
    SenderService,
    FailureActions,
    MessagePreparer,
    ProviderFeedbackService,
    TwilioStatusFeedback,
    EmailReportFeedback,
    // TemplatesService.render has exactly this contract; tests may bind another renderer.
    { provide: MessageRenderer, useExisting: TemplatesService },
  ],
  // The channels are shared with system messages (the preference page's confirmation SMS).
  exports: [SenderService, ProviderFeedbackService, EmailReportFeedback, CHANNEL_SENDERS],
})
export class DeliveryModule {}
