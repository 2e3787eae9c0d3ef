import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { isDomainError } from '../common/domain-error';
import { TopicsService } from '../topics/topics.service';
import { CampaignsService, type CampaignView } from './campaigns.service';
import { EXAMPLE_TOPICS, exampleCampaigns } from './examples';

const TOPIC_EXISTS = `SELECT 1 FROM topics WHERE key = $1`;
/** The oldest campaign (not cancelled) with the name $1. */
const LIVE_CAMPAIGN_NAMED = `SELECT id FROM campaigns WHERE name = $1 AND status <> 'cancelled' ORDER BY created_at LIMIT 1`;

/** Creates the ready example campaigns as drafts, with the topics they need. */
@Injectable()
export class CampaignExamplesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly topics: TopicsService,
    private readonly campaigns: CampaignsService,
  ) {}

  /**
   * One draft per goal. Idempotent by name: an example whose name a campaign (not cancelled)
   * already has is returned as it is rather than created twice.
   */
  async create(actor: string): Promise<CampaignView[]> {
    for (const t of EXAMPLE_TOPICS) {
      const found: unknown[] = await this.dataSource.query(TOPIC_EXISTS, [t.key]);
      if (found.length) continue;
      try {
        await this.topics.create(
          { key: t.key, category: t.category, cadenceDays: t.cadenceDays, title: t.title },
          actor,
        );
      } catch (err) {
        // Another request created it meanwhile.
        if (!isDomainError(err, 'conflict')) throw err;
      }
    }
    const out: CampaignView[] = [];
    for (const def of exampleCampaigns(this.clock.now())) {
      const [existing]: { id: string }[] = await this.dataSource.query(LIVE_CAMPAIGN_NAMED, [
        def.name,
      ]);
      out.push(
        existing
          ? await this.campaigns.get(existing.id)
          : await this.campaigns.createDraft(def, actor),
      );
    }
    return out;
  }
}
