import { Module } from '@nestjs/common';
import { DecisionContextLoader } from './decision-context.loader';

/** The batch loader of decision contexts, shared by the planner and the campaign forecast. */
@Module({
  providers: [DecisionContextLoader],
  exports: [DecisionContextLoader],
})
export class DecisionContextModule {}
