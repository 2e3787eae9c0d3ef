import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import type { CustomerKind } from '../policy/engine';
import { PoliciesService } from '../policy/policies.service';

const DAY = 86_400_000;
const WEEKS = 12;

/** Numbers for the dashboard: reads only, a few aggregate queries. */
@Injectable()
export class DashboardService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: PoliciesService,
    private readonly clock: Clock,
  ) {}

  /** Distinct customers with a delivery handed over (sent_at set) in the last 7/30/180 days. */
  async contacted(): Promise<{ days: number; customers: number }[]> {
    const now = this.clock.now();
    const [row]: { d7: number; d30: number; d180: number }[] = await this.dataSource.query(
      `SELECT count(DISTINCT customer_id) FILTER (WHERE sent_at >= $1)::int AS d7,
              count(DISTINCT customer_id) FILTER (WHERE sent_at >= $2)::int AS d30,
              count(DISTINCT customer_id)::int AS d180
         FROM deliveries WHERE sent_at IS NOT NULL AND sent_at >= $3`,
      [
        new Date(now.getTime() - 7 * DAY),
        new Date(now.getTime() - 30 * DAY),
        new Date(now.getTime() - 180 * DAY),
      ],
    );
    return [
      { days: 7, customers: row.d7 },
      { days: 30, customers: row.d30 },
      { days: 180, customers: row.d180 },
    ];
  }

  /**
   * Approximate: customers whose promotional deliveries (planned or sent, not cancelled or
   * failed) within a window of their kind's policy already reach that window's limit.
   */
  async atPromotionalBudget(): Promise<number> {
    const now = this.clock.now();
    const parts: string[] = [];
    const params: unknown[] = [];
    for (const kind of ['consumer', 'business'] as CustomerKind[]) {
      const { policy } = await this.policies.current(kind);
      for (const rule of policy.budgets.promotional ?? []) {
        params.push(kind, new Date(now.getTime() - rule.windowDays * DAY), rule.max);
        const n = params.length;
        parts.push(
          `SELECT d.customer_id FROM deliveries d JOIN customers c ON c.id = d.customer_id
            WHERE c.kind = $${n - 2} AND d.category = 'promotional'
              AND d.status NOT IN ('cancelled', 'failed') AND d.planned_at >= $${n - 1}
            GROUP BY d.customer_id HAVING count(*) >= $${n}`,
        );
      }
    }
    if (!parts.length) return 0;
    const [row]: { n: number }[] = await this.dataSource.query(
      `SELECT count(DISTINCT customer_id)::int AS n FROM (${parts.join(' UNION ')}) x`,
      params,
    );
    return row.n;
  }

  /** Weekly counts over the last 12 weeks (oldest first), zero-filled. */
  private async weekly(sql: string): Promise<{ week: Date; n: number }[]> {
    const now = this.clock.now();
    const since = new Date(now.getTime() - WEEKS * 7 * DAY);
    const rows: { week: Date; n: number }[] = await this.dataSource.query(sql, [since]);
    const byWeek = new Map(rows.map((r) => [new Date(r.week).toISOString().slice(0, 10), r.n]));
    const out: { week: Date; n: number }[] = [];
    // Monday-based weeks as date_trunc('week') gives them in UTC.
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const monday = new Date(today.getTime() - ((today.getUTCDay() + 6) % 7) * DAY);
    for (let i = WEEKS - 1; i >= 0; i--) {
      const w = new Date(monday.getTime() - i * 7 * DAY);
      out.push({ week: w, n: byWeek.get(w.toISOString().slice(0, 10)) ?? 0 });
    }
    return out;
  }

  /**
   * Customers' unsubscribes, not ledger rows: one STOP withdraws every SMS topic at once, so a
   * customer counts once per channel and week, as the campaign report counts them.
   */
  unsubscribes() {
    return this.weekly(
      `SELECT date_trunc('week', occurred_at AT TIME ZONE 'UTC') AS week,
              count(DISTINCT (customer_id, channel))::int AS n
         FROM consent_events WHERE action = 'withdraw' AND occurred_at >= $1 GROUP BY 1`,
    );
  }

  complaints() {
    return this.weekly(
      `SELECT date_trunc('week', updated_at AT TIME ZONE 'UTC') AS week, count(*)::int AS n
         FROM deliveries WHERE status = 'complained' AND updated_at >= $1 GROUP BY 1`,
    );
  }
}
