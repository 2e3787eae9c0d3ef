import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { LinkTokenModule } from '../tokens/link-token.module';
import { ChannelConfirmationService } from './channel-confirmation';
import { PreferencesController } from './preferences.controller';
import { PreferencesService } from './preferences.service';

/** The public preference page /p/:token; PreferencesService.linkFor builds its links. */
@Module({
  imports: [ConsentModule, LinkTokenModule, DeliveryModule],
  controllers: [PreferencesController],
  providers: [PreferencesService, ChannelConfirmationService],
  exports: [PreferencesService, ChannelConfirmationService],
})
export class PreferencesModule {}
