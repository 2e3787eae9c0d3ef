import { Module } from '@nestjs/common';
import { AudiencesModule } from '../audiences/audiences.module';
import { CampaignMoves } from '../planning/campaign-moves.port';
import { DecisionContextModule } from '../planning/decision-context.module';
import { PoliciesModule } from '../policy/policies.module';
import { TemplatesModule } from '../templates/templates.module';
import { TopicsModule } from '../topics/topics.module';
import { CampaignDefinitionCheck } from './campaign-definition';
import { CampaignExamplesService } from './campaign-examples.service';
import { CampaignForecastService } from './campaign-forecast.service';
import { CampaignMovesAdapter } from './campaign-moves.adapter';
import { CampaignTransitions } from './campaign-transitions';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';
import { TemplatePort } from './ports';
import { TemplatePortAdapter } from './template-port.adapter';

@Module({
  imports: [AudiencesModule, DecisionContextModule, PoliciesModule, TemplatesModule, TopicsModule],
  controllers: [CampaignsController],
  providers: [
    CampaignsService,
    CampaignDefinitionCheck,
    CampaignTransitions,
    CampaignForecastService,
    CampaignExamplesService,
    { provide: TemplatePort, useClass: TemplatePortAdapter },
    // The port the planner moves campaign statuses through (planning/campaign-moves.port.ts).
    { provide: CampaignMoves, useClass: CampaignMovesAdapter },
  ],
  exports: [CampaignsService, CampaignForecastService, CampaignMoves],
})
export class CampaignsModule {}
