import { Module } from '@nestjs/common';
import { LinkTokenModule } from '../tokens/link-token.module';
import { ClickController } from './click.controller';
import { ClickLinks } from './click-links';
import { ClickService } from './click.service';
import { ClickTracker } from './click-tracker';

/** First-party click tracking: the links rewritten at hand-over and the /r/:token route. */
@Module({
  imports: [LinkTokenModule],
  controllers: [ClickController],
  providers: [ClickLinks, ClickTracker, ClickService],
  exports: [ClickTracker],
})
export class ClicksModule {}
