import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { allows } from '../campaigns/campaign-lifecycle';
import { Clock } from '../common/clock';
import { safeError } from '../common/log-safety';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { campaignFigures, type OutcomeCampaignRow } from './campaign-figures';
import { evaluateGuardrail, pausedReasonOf, withDefaults } from './guardrail';

/** How often the worker looks at the running campaigns' annoyance. */
export const GUARDRAIL_CHECK_MS = 10_000;

const RUNNING_CAMPAIGNS = `SELECT id, status, attribution_days, guardrails, paused_reason, launched_at
  FROM campaigns WHERE status = 'running' ORDER BY id`;
const LOCK_CAMPAIGN_STATUS = `SELECT status FROM campaigns WHERE id = $1 FOR NO KEY UPDATE`;
/** running → paused by its guardrail, with the reason; resuming needs an acknowledgement. */
const MARK_AUTO_PAUSED = `UPDATE campaigns SET status = 'paused', paused_from = status, paused_reason = $2,
       updated_at = $3 WHERE id = $1`;

/**
 * Pauses a running campaign whose complaint or unsubscribe rate passed its limit once
 * minDelivered messages were delivered. The sender hands over nothing of a paused campaign (its
 * claim and its marking both ask for `running`), so the pause stops the campaign mid-batch.
 */
@Injectable()
export class GuardrailMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GuardrailMonitor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
    @Inject(SETTINGS) private readonly settings: Pick<Settings, 'guardrails' | 'roles'>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.roles.includes('worker')) return;
    const timer = setInterval(() => {
      this.check().catch((err: unknown) =>
        this.logger.error({ error: safeError(err) }, 'guardrail check failed'),
      );
    }, GUARDRAIL_CHECK_MS);
    this.scheduler.addInterval('guardrails', timer);
  }

  onModuleDestroy(): void {
    if (this.scheduler.doesExist('interval', 'guardrails'))
      this.scheduler.deleteInterval('guardrails');
  }

  /** Checks every running campaign; answers the ids it paused. */
  async check(): Promise<string[]> {
    const running: OutcomeCampaignRow[] = await this.dataSource.query(RUNNING_CAMPAIGNS);
    const paused: string[] = [];
    for (const c of running) {
      const f = await campaignFigures(this.dataSource.manager, c.id);
      const state = evaluateGuardrail(withDefaults(c.guardrails, this.settings.guardrails), {
        delivered: f.delivered,
        complained: f.complained,
        unsubscribed: f.unsubscribed + f.smsStop,
      });
      if (state.state !== 'tripped') continue;
      if (await this.pause(c.id, pausedReasonOf(state), { ...state, ...f })) paused.push(c.id);
    }
    return paused;
  }

  private pause(id: string, reason: string, figures: Record<string, unknown>): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const [row]: { status: string }[] = await m.query(LOCK_CAMPAIGN_STATUS, [id]);
      // Paused, cancelled or finished meanwhile: nothing to stop.
      if (!row || row.status !== 'running' || !allows('running', 'pause')) return false;
      const now = this.clock.now();
      await m.query(MARK_AUTO_PAUSED, [id, reason, now]);
      await this.audit.record(
        {
          type: 'campaign.auto_paused',
          campaignId: id,
          actor: 'system',
          at: now,
          data: { from: 'running', to: 'paused', reason, figures },
        },
        m,
      );
      this.logger.warn({ campaignId: id }, 'campaign paused by its guardrail');
      return true;
    });
  }
}
