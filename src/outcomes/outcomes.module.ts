import { Module } from '@nestjs/common';
import { CampaignResultsController } from './campaign-results.controller';
import { CampaignResultsService } from './campaign-results.service';
import { GuardrailMonitor } from './guardrail-monitor';

/** What campaigns achieved (results against the holdout) and the guardrails that pause them. */
@Module({
  controllers: [CampaignResultsController],
  providers: [CampaignResultsService, GuardrailMonitor],
  exports: [CampaignResultsService, GuardrailMonitor],
})
export class OutcomesModule {}
