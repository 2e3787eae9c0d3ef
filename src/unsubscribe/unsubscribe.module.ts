import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { PreferencesModule } from '../preferences/preferences.module';
import { LinkTokenModule } from '../tokens/link-token.module';
import { MailtoUnsubscribeService } from './mailto-unsubscribe.service';
import { UnsubscribeController } from './unsubscribe.controller';
import { UnsubscribeService } from './unsubscribe.service';

@Module({
  imports: [ConsentModule, LinkTokenModule, PreferencesModule],
  controllers: [UnsubscribeController],
  providers: [UnsubscribeService, MailtoUnsubscribeService],
  exports: [MailtoUnsubscribeService],
})
export class UnsubscribeModule {}
