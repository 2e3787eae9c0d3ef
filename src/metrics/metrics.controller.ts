import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'The Prometheus text format. Guarded by `Authorization: Bearer <METRICS_TOKEN>` (not an API key); 404 when METRICS_TOKEN is unset.',
    security: [],
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @Get()
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    this.metrics.authorize(authorization);
    const { contentType, body } = await this.metrics.scrape();
    res.type(contentType);
    return body;
  }
}
