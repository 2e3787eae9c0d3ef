import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { publicRateLimit } from './common/public-rate-limit';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLogModule } from './audit-log/audit-log.module';
import { AuthModule } from './auth/auth.module';
import { ConsentModule } from './consent/consent.module';
import { Clock, SystemClock } from './common/clock';
import { SETTINGS } from './common/tokens';
import type { Settings } from './config/settings';
import { CustomersModule } from './customers/customers.module';
import { dataSourceOptions } from './database/data-source';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { PoliciesModule } from './policy/policies.module';
import { SmsModule } from './sms/sms.module';
import { SuppressionModule } from './suppression/suppression.module';
import { TopicsModule } from './topics/topics.module';
import { LinkTokenModule } from './tokens/link-token.module';
import { UnsubscribeModule } from './unsubscribe/unsubscribe.module';
import { MailModule } from './mail/mail.module';
import { SubscribeModule } from './subscribe/subscribe.module';
import { PreferencesModule } from './preferences/preferences.module';
import { AudiencesModule } from './audiences/audiences.module';
import { TemplatesModule } from './templates/templates.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { DeliveryModule } from './delivery/delivery.module';
import { InboundMailModule } from './inbound-mail/inbound-mail.module';
import { PlanningModule } from './planning/planning.module';
import { AuditQueryModule } from './audit/audit-query.module';
import { ConsoleModule } from './console/console.module';
// Outcomes.
import { ClicksModule } from './clicks/clicks.module';
import { OutcomesModule } from './outcomes/outcomes.module';

// Integrations.
import { EmailEventsModule } from './email-events/email-events.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { MetricsModule } from './metrics/metrics.module';

// Replies and follow-ups.
import { FollowUpsModule } from './follow-ups/follow-ups.module';

export interface TactfulModuleOptions {
  settings: Settings;
  /** Connection URL; TactfulModule then owns its DataSource. */
  databaseUrl?: string;
  /** Or reuse the host application's TypeORM setup (it must include Tactful's entities and migrations). */
  useExistingDataSource?: boolean;
  clock?: Clock;
}

@Global()
@Module({})
class TactfulCoreModule {
  static register(options: TactfulModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: SETTINGS, useValue: options.settings },
      { provide: Clock, useValue: options.clock ?? new SystemClock() },
    ];
    return { module: TactfulCoreModule, providers, exports: providers };
  }
}

/**
 * Tactful as a NestJS dynamic module: the standalone service is a thin application around it,
 * and a company's own NestJS app can import it to call the same services in-process.
 */
@Module({})
export class TactfulModule {
  static forRoot(options: TactfulModuleOptions): DynamicModule {
    if (!options.databaseUrl && !options.useExistingDataSource) {
      throw new Error('TactfulModule.forRoot needs databaseUrl or useExistingDataSource');
    }
    return {
      module: TactfulModule,
      imports: [
        TactfulCoreModule.register(options),
        ...(options.databaseUrl
          ? [TypeOrmModule.forRoot(dataSourceOptions(options.databaseUrl))]
          : []),
        ThrottlerModule.forRoot(publicRateLimit(options.settings.publicRateLimit)),
        AuditLogModule,
        SuppressionModule,
        AuthModule,
        IdempotencyModule,
        CustomersModule,
        EventsModule,
        PoliciesModule,
        TopicsModule,
        ConsentModule,
        LinkTokenModule,
        UnsubscribeModule,
        SmsModule,
        MailModule,
        SubscribeModule,
        PreferencesModule,
        AudiencesModule,
        TemplatesModule,
        CampaignsModule,
        DeliveryModule,
        InboundMailModule,
        // Campaigns binds the CampaignMoves port the planner moves statuses through.
        PlanningModule.register(CampaignsModule),
        AuditQueryModule,
        ConsoleModule,
        // Outcomes.
        ClicksModule,
        OutcomesModule,

        // Integrations.
        EmailEventsModule,
        WebhooksModule,
        MetricsModule,

        // Replies and follow-ups.
        FollowUpsModule,
      ],
      controllers: [HealthController],
      // A host application's own providers can inject these services and call them in-process.
      exports: [
        CustomersModule,
        EventsModule,
        PoliciesModule,
        TopicsModule,
        ConsentModule,
        AudiencesModule,
        TemplatesModule,
        CampaignsModule,
        PlanningModule,
        DeliveryModule,
      ],
    };
  }

  /**
   * For options that must be loaded first (secrets, remote config). The options decide which
   * modules are imported (its own DataSource or the host's), so they are resolved before the
   * module is built rather than injected from the host's providers; Nest accepts the promise in
   * `imports`.
   */
  static async forRootAsync(options: {
    useFactory: () => TactfulModuleOptions | Promise<TactfulModuleOptions>;
  }): Promise<DynamicModule> {
    return TactfulModule.forRoot(await options.useFactory());
  }
}
