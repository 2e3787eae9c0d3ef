import { Global, Module } from '@nestjs/common';
import { AuditWriter } from './audit-writer';

/** The ground floor every feature writes its audit rows through; reading the log is `audit/`. */
@Global()
@Module({ providers: [AuditWriter], exports: [AuditWriter] })
export class AuditLogModule {}
