import { Module } from '@nestjs/common';

/** The read side of the audit: query, export, timeline, evidence, verification. */
@Module({})
export class AuditQueryModule {}
