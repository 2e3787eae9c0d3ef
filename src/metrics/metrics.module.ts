import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** GET /metrics: Prometheus text, behind METRICS_TOKEN. */
@Module({ controllers: [MetricsController], providers: [MetricsService] })
export class MetricsModule {}
