import { Module } from '@nestjs/common';
import { LinkTokenService } from './link-token.service';

/** Signed links for e-mails; SETTINGS and Clock come from Tactful's global core module. */
@Module({
  providers: [LinkTokenService],
  exports: [LinkTokenService],
})
export class LinkTokenModule {}
