import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { notFound } from '../common/domain-error';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { campaignFigures, OUTCOME_CAMPAIGN, type OutcomeCampaignRow } from './campaign-figures';
import { evaluateGuardrail, withDefaults, type GuardrailState } from './guardrail';
import { CLICKED_CUSTOMERS, HOLDOUT_CONVERSIONS, TREATED_CONVERSIONS } from './results-sql';
import { judge, type Uplift, type Verdict } from './verdict';

export interface CampaignResults {
  treated: {
    customers: number;
    delivered: number;
    clicked: number;
    converted: number;
    revenue: Record<string, number>;
  };
  holdout: { customers: number; converted: number; revenue: Record<string, number> };
  uplift: Uplift | null;
  verdict: Verdict;
  annoyance: { unsubscribed: number; complained: number; smsStop: number; rate: number };
  guardrail: (GuardrailState & { pausedReason: string | null }) | null;
  attributionDays: number;
}

const RECENT_ON_TOPIC = `SELECT id, name FROM campaigns
  WHERE topic = $1 AND id <> $2 AND launched_at IS NOT NULL ORDER BY launched_at DESC LIMIT $3`;

interface Conversions {
  converted: number;
  revenue: Record<string, number>;
}

/**
 * Did the campaign help, and what did it cost in annoyance: the reached customers against the
 * held-out ones, conversions attributed at read time (see results-sql.ts), the uplift with its
 * interval and verdict, opt-outs and complaints, and the guardrail's state. All from one
 * read-only snapshot.
 */
@Injectable()
export class CampaignResultsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Pick<Settings, 'guardrails'>,
  ) {}

  /** Annoyance rates of the latest launched campaigns on a topic (the forecast shows them). */
  async recentOnTopic(
    topic: string,
    exceptId: string,
    limit = 5,
  ): Promise<{ id: string; name: string; customers: number; rate: number }[]> {
    const rows: { id: string; name: string }[] = await this.dataSource.query(RECENT_ON_TOPIC, [
      topic,
      exceptId,
      limit,
    ]);
    const out: { id: string; name: string; customers: number; rate: number }[] = [];
    for (const r of rows) {
      const f = await campaignFigures(this.dataSource.manager, r.id);
      const annoyed = f.unsubscribed + f.complained + f.smsStop;
      out.push({ ...r, customers: f.customers, rate: f.customers ? annoyed / f.customers : 0 });
    }
    return out;
  }

  async results(campaignId: string): Promise<CampaignResults> {
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      await m.query('SET TRANSACTION READ ONLY');
      const [c]: OutcomeCampaignRow[] = await m.query(OUTCOME_CAMPAIGN, [campaignId]);
      if (!c) throw notFound([`campaign ${campaignId} not found`]);
      const days = c.attribution_days;
      const figures = await campaignFigures(m, campaignId);
      const [[clicked], [treated], [holdout]]: [
        { n: number }[],
        Conversions[],
        (Conversions & { customers: number })[],
      ] = await Promise.all([
        m.query(CLICKED_CUSTOMERS, [campaignId]),
        m.query(TREATED_CONVERSIONS, [campaignId, days]),
        m.query(HOLDOUT_CONVERSIONS, [campaignId, days]),
      ]);
      const { uplift, verdict } = judge(
        { customers: figures.customers, converted: treated.converted },
        holdout,
      );
      const annoyed = figures.unsubscribed + figures.complained + figures.smsStop;
      const guardrail =
        c.launched_at === null
          ? null
          : {
              ...evaluateGuardrail(withDefaults(c.guardrails, this.settings.guardrails), {
                delivered: figures.delivered,
                complained: figures.complained,
                unsubscribed: figures.unsubscribed + figures.smsStop,
              }),
              pausedReason: c.paused_reason,
            };
      return {
        treated: {
          customers: figures.customers,
          delivered: figures.delivered,
          clicked: clicked.n,
          converted: treated.converted,
          revenue: treated.revenue,
        },
        holdout: {
          customers: holdout.customers,
          converted: holdout.converted,
          revenue: holdout.revenue,
        },
        uplift,
        verdict,
        annoyance: {
          unsubscribed: figures.unsubscribed,
          complained: figures.complained,
          smsStop: figures.smsStop,
          rate: figures.customers ? annoyed / figures.customers : 0,
        },
        guardrail,
        attributionDays: days,
      };
    });
  }
}
