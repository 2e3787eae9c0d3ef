import { DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AudiencesModule } from '../audiences/audiences.module';
import { PoliciesModule } from '../policy/policies.module';
import { DecisionContextModule } from './decision-context.module';
import { PlannerService } from './planner.service';

/**
 * The planner. It moves campaign statuses through CampaignMoves, which planning defines and the
 * module given here provides (campaigns binds it), so planning never imports campaigns.
 */
@Module({})
export class PlanningModule {
  static register(campaignMoves: NonNullable<ModuleMetadata['imports']>[number]): DynamicModule {
    return {
      module: PlanningModule,
      imports: [
        ScheduleModule.forRoot(),
        AudiencesModule,
        PoliciesModule,
        DecisionContextModule,
        campaignMoves,
      ],
      providers: [PlannerService],
      exports: [DecisionContextModule, PlannerService],
    };
  }
}
