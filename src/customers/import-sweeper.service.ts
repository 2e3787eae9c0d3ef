import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { PeriodicJob } from '../common/periodic-job';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { CustomerImportsRepository } from './customer-imports.repository';

/**
 * On scheduler instances: closes the imports whose process died (heartbeat older than
 * IMPORT_STALE_SECONDS) as `interrupted` and audits them as `import.failed`, so a killed import
 * ends in the audit too and not only in how its record reads.
 */
@Injectable()
export class ImportSweeperService implements OnApplicationBootstrap, OnModuleDestroy {
  private job?: PeriodicJob;

  constructor(
    private readonly dataSource: DataSource,
    private readonly records: CustomerImportsRepository,
    private readonly audit: AuditWriter,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.roles.includes('scheduler')) return;
    const every = this.settings.import.staleSeconds * 1000;
    const logger = new Logger(ImportSweeperService.name);
    this.job = new PeriodicJob('import sweep', every, () => this.sweep(), logger);
    this.job.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.job?.stop();
  }

  async sweep(): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const swept = await this.records.sweepStale(m, this.settings.import.staleSeconds);
      await this.audit.record(
        swept.map((r) => ({
          type: 'import.failed',
          actor: r.actor,
          data: {
            importId: r.id,
            format: r.format,
            rows: r.rowsRead,
            inserted: r.inserted,
            updated: r.updated,
            failed: r.rowsRefused,
            lastCommittedLine: r.lastCommittedLine,
            failure: r.failure,
          },
        })),
        m,
      );
      return swept.length;
    });
  }
}
