import { Module } from '@nestjs/common';
import { AudiencesModule } from '../audiences/audiences.module';
import { AuditQueryModule } from '../audit/audit-query.module';
import { AuthModule } from '../auth/auth.module';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { CustomersModule } from '../customers/customers.module';
import { PoliciesModule } from '../policy/policies.module';
import { TemplatesModule } from '../templates/templates.module';
import { TopicsModule } from '../topics/topics.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ConsoleAuditController } from './console-audit.controller';
import { ConsoleAuthController } from './console-auth.controller';
import { ConsoleCampaignsController } from './console-campaigns.controller';
import { ConsoleCustomersController } from './console-customers.controller';
import { ConsoleDashboardController } from './console-dashboard.controller';
import { ConsoleKeysController } from './console-keys.controller';
import { ConsoleFollowUpsController } from './console-follow-ups.controller';
import { FollowUpsModule } from '../follow-ups/follow-ups.module';
import { ConsolePoliciesController } from './console-policies.controller';
import { ConsoleTemplatesController } from './console-templates.controller';
import { ConsoleWebhooksController } from './console-webhooks.controller';
import { ConsoleGuard, ConsoleExceptionFilter } from './console.guard';
import { DashboardService } from './dashboard.service';
import { ConsoleSessionService } from './session.service';
import { OutcomesModule } from '../outcomes/outcomes.module';

/** The server-rendered console at /console: pages over the same services the JSON API uses. */
@Module({
  imports: [
    AudiencesModule,
    AuditQueryModule,
    AuthModule,
    CampaignsModule,
    CustomersModule,
    PoliciesModule,
    TemplatesModule,
    TopicsModule,
    FollowUpsModule,
    OutcomesModule,
    WebhooksModule,
  ],
  controllers: [
    ConsoleAuthController,
    ConsoleDashboardController,
    ConsoleCampaignsController,
    ConsoleCustomersController,
    ConsoleAuditController,
    ConsoleTemplatesController,
    ConsolePoliciesController,
    ConsoleKeysController,
    ConsoleFollowUpsController,
    ConsoleWebhooksController,
  ],
  providers: [ConsoleSessionService, ConsoleGuard, ConsoleExceptionFilter, DashboardService],
})
export class ConsoleModule {}
