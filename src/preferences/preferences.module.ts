import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { LinkTokenModule } from '../tokens/link-token.module';
import { PreferencesController } from './preferences.controller';
import { PreferencesService } from './preferences.service';

/** The public preference page /p/:token; PreferencesService.linkFor builds its links. */
@Module({
  imports: [ConsentModule, LinkTokenModule],
  controllers: [PreferencesController],
  providers: [PreferencesService],
  exports: [PreferencesService],
})
export class PreferencesModule {}
