import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { PeriodicJob } from '../common/periodic-job';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { IdempotencyService } from './idempotency.service';

const PURGE_EVERY_MS = 3_600_000;

/** On scheduler instances: forgets idempotent answers older than 24 hours, hourly. */
@Injectable()
export class IdempotencyHousekeeping implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job = new PeriodicJob(
    'idempotency purge',
    PURGE_EVERY_MS,
    () => this.keys.purge(),
    new Logger(IdempotencyHousekeeping.name),
  );

  constructor(
    private readonly keys: IdempotencyService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.roles.includes('scheduler')) this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }
}
