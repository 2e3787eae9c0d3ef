import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { LinkTokenModule } from '../tokens/link-token.module';
import { UnsubscribeController } from './unsubscribe.controller';
import { UnsubscribeService } from './unsubscribe.service';

@Module({
  imports: [ConsentModule, LinkTokenModule],
  controllers: [UnsubscribeController],
  providers: [UnsubscribeService],
})
export class UnsubscribeModule {}
