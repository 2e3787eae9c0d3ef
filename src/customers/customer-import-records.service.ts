import { Inject, Injectable } from '@nestjs/common';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { CustomerImportsRepository, type ImportRecord } from './customer-imports.repository';

/** The read side of import records: a running import whose heartbeat stopped reads as interrupted. */
@Injectable()
export class CustomerImportRecords {
  constructor(
    private readonly repo: CustomerImportsRepository,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  get(id: string): Promise<ImportRecord | undefined> {
    return this.repo.get(id, this.settings.import.staleSeconds);
  }

  recent(limit: number): Promise<ImportRecord[]> {
    return this.repo.recent(limit, this.settings.import.staleSeconds);
  }
}
