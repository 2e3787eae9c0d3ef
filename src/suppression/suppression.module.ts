import { Global, Module } from '@nestjs/common';
import { SuppressionService } from './suppression.service';

@Global()
@Module({ providers: [SuppressionService], exports: [SuppressionService] })
export class SuppressionModule {}
