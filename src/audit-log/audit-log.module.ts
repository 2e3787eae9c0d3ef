import { Global, Module } from '@nestjs/common';
import { AuditContentWriter } from './audit-content';
import { AuditWriter } from './audit-writer';

/** The ground floor every feature writes its audit rows through; reading the log is `audit/`. */
@Global()
@Module({
  providers: [AuditWriter, AuditContentWriter],
  exports: [AuditWriter, AuditContentWriter],
})
export class AuditLogModule {}
