import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.decorator';
import { RETRY_AFTER_SECONDS } from '../common/database-unavailable';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async check(@Res({ passthrough: true }) res: Response) {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      // A load balancer takes the instance out; anything else retries after a while.
      res.status(HttpStatus.SERVICE_UNAVAILABLE).set('Retry-After', String(RETRY_AFTER_SECONDS));
      return { status: 'unhealthy', database: 'unreachable' };
    }
    return { status: 'ok', database: 'ok' };
  }
}
