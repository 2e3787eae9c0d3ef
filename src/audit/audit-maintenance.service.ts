import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { PeriodicJob } from '../common/periodic-job';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { AuditContentService } from './audit-content.service';
import { AuditSealerService } from './audit-sealer.service';

const SEAL_EVERY_MS = 15_000;
const HOUSEKEEPING_EVERY_MS = 3_600_000;

/**
 * The audit's ticks on instances with the scheduler role: seal new rows into the hash chain,
 * create next months' partitions ahead, purge rendered content past its retention.
 * Every step is safe to run on several instances at once.
 */
@Injectable()
export class AuditMaintenanceService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(AuditMaintenanceService.name);
  private readonly jobs = [
    new PeriodicJob('audit seal', SEAL_EVERY_MS, () => this.sealer.tick(), this.log),
    new PeriodicJob(
      'audit housekeeping',
      HOUSEKEEPING_EVERY_MS,
      () => this.housekeeping(),
      this.log,
    ),
  ];

  constructor(
    private readonly dataSource: DataSource,
    private readonly sealer: AuditSealerService,
    private readonly content: AuditContentService,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.roles.includes('scheduler')) return;
    const [seal, housekeeping] = this.jobs;
    seal.start();
    housekeeping.start({ runNow: true });
  }

  // Before the DataSource closes: stop the timers and let a tick in flight finish.
  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.jobs.map((j) => j.stop()));
  }

  /** Partitions for this month and the next three; content purge. */
  async housekeeping(): Promise<void> {
    await this.ensurePartitions(this.clock.now(), 3);
    await this.content.purge();
  }

  async ensurePartitions(from: Date, monthsAhead: number): Promise<void> {
    const rows: { ok: boolean; m: Date }[] = await this.dataSource.query(
      `SELECT audit_events_ensure_partition($1::timestamptz + make_interval(months => g)) AS ok,
              $1::timestamptz + make_interval(months => g) AS m
         FROM generate_series(0, $2::int) g`,
      [from, monthsAhead],
    );
    for (const r of rows)
      if (!r.ok)
        this.log.warn(`audit partition for ${r.m.toISOString().slice(0, 7)}: rows in DEFAULT`);
  }
}
