import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { MailModule } from '../mail/mail.module';
import { LinkTokenModule } from '../tokens/link-token.module';
import { ChannelConfirmationService } from './channel-confirmation';
import { FreshLinkController } from './fresh-link.controller';
import { FreshLinkService } from './fresh-link.service';
import { PreferencesController } from './preferences.controller';
import { PreferencesService } from './preferences.service';

/** The public preference page /p/:token; PreferencesService.linkFor builds its links. */
@Module({
  imports: [ConsentModule, LinkTokenModule, DeliveryModule, MailModule],
  controllers: [PreferencesController, FreshLinkController],
  providers: [PreferencesService, ChannelConfirmationService, FreshLinkService],
  exports: [PreferencesService, ChannelConfirmationService],
})
export class PreferencesModule {}
