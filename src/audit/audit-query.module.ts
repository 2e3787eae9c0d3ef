import { Module } from '@nestjs/common';
import { AuditContentService } from './audit-content.service';
import { AuditMaintenanceService } from './audit-maintenance.service';
import { AuditQueryService } from './audit-query.service';
import { AuditSealerService } from './audit-sealer.service';
import {
  AuditController,
  CampaignReportController,
  CustomerAuditController,
} from './audit.controller';
import { CampaignReportService } from './campaign-report.service';
import { EvidenceService } from './evidence.service';
import { TimelineService } from './timeline.service';

/** The read side of the audit: query, export, timeline, evidence, reports, verification. */
@Module({
  controllers: [AuditController, CustomerAuditController, CampaignReportController],
  providers: [
    AuditQueryService,
    AuditSealerService,
    AuditContentService,
    AuditMaintenanceService,
    TimelineService,
    EvidenceService,
    CampaignReportService,
  ],
  exports: [
    AuditContentService,
    AuditSealerService,
    TimelineService,
    AuditQueryService,
    EvidenceService,
  ],
})
export class AuditQueryModule {}
