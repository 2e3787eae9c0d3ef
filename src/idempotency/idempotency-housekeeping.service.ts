import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { IdempotencyService } from './idempotency.service';

const PURGE_EVERY_MS = 3_600_000;

/** On scheduler instances: forgets idempotent answers older than 24 hours, hourly. */
@Injectable()
export class IdempotencyHousekeeping implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(IdempotencyHousekeeping.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly keys: IdempotencyService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.roles.includes('scheduler')) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.keys
        .purge()
        .catch((err: unknown) => this.log.error(`idempotency purge failed: ${String(err)}`))
        .finally(() => (this.running = undefined));
    }, PURGE_EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
