import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AudiencesModule } from '../audiences/audiences.module';
import { PoliciesModule } from '../policy/policies.module';
import { DecisionContextLoader } from './decision-context.loader';
import { PlannerService } from './planner.service';

@Module({
  imports: [ScheduleModule.forRoot(), AudiencesModule, PoliciesModule],
  providers: [DecisionContextLoader, PlannerService],
  exports: [DecisionContextLoader, PlannerService],
})
export class PlanningModule {}
