import { Module } from '@nestjs/common';
import { DecisionContextLoader } from './decision-context.loader';

@Module({
  providers: [DecisionContextLoader],
  exports: [DecisionContextLoader],
})
export class PlanningModule {}
