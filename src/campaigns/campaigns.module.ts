import { Module } from '@nestjs/common';
import { AudiencesModule } from '../audiences/audiences.module';
import { PlanningModule } from '../planning/planning.module';
import { PoliciesModule } from '../policy/policies.module';
import { TemplatesModule } from '../templates/templates.module';
import { TopicsModule } from '../topics/topics.module';
import { CampaignExamplesService } from './campaign-examples.service';
import { CampaignForecastService } from './campaign-forecast.service';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';
import { TemplatePort } from './ports';
import { TemplatePortAdapter } from './template-port.adapter';

@Module({
  imports: [AudiencesModule, PlanningModule, PoliciesModule, TemplatesModule, TopicsModule],
  controllers: [CampaignsController],
  providers: [
    CampaignsService,
    CampaignForecastService,
    CampaignExamplesService,
    { provide: TemplatePort, useClass: TemplatePortAdapter },
  ],
  exports: [CampaignsService, CampaignForecastService],
})
export class CampaignsModule {}
