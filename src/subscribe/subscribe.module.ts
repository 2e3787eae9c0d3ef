import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { MailModule } from '../mail/mail.module';
import { PreferencesModule } from '../preferences/preferences.module';
import { LinkTokenModule } from '../tokens/link-token.module';
import { ConfirmSubscriptionService } from './confirm-subscription.service';
import { ConfirmController } from './confirm.controller';
import { SubscribeController } from './subscribe.controller';
import { SubscribeService } from './subscribe.service';

/** Double opt-in: POST /v1/subscribe and GET /confirm/:token. */
@Module({
  imports: [ConsentModule, LinkTokenModule, MailModule, PreferencesModule],
  controllers: [SubscribeController, ConfirmController],
  providers: [SubscribeService, ConfirmSubscriptionService],
  exports: [SubscribeService],
})
export class SubscribeModule {}
