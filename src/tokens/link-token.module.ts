import { Module } from '@nestjs/common';
import { ClickTokenService } from './click-token.service';
import { LinkTokenService } from './link-token.service';

/** Signed links for e-mails; SETTINGS and Clock come from Tactful's global core module. */
@Module({
  providers: [LinkTokenService, ClickTokenService],
  exports: [LinkTokenService, ClickTokenService],
})
export class LinkTokenModule {}
