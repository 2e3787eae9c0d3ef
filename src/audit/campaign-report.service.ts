import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { notFound } from '../common/domain-error';

export interface ChannelReport {
  /** 'none' for decisions that skipped before a channel was chosen. */
  channel: string;
  decisions: {
    send: number;
    defer: number;
    skip: number;
    deferReasons: Record<string, number>;
    skipReasons: Record<string, number>;
  };
  /** Deliveries by their current status. */
  deliveries: Record<string, number>;
  /** Cancellations by reason (consent_withdrawn, …). */
  cancelledReasons: Record<string, number>;
  unsubscribes: number;
  complaints: number;
}

export interface CampaignReport {
  campaignId: string;
  name: string;
  status: string;
  channels: ChannelReport[];
  totals: Omit<ChannelReport, 'channel'>;
}

const empty = (channel: string): ChannelReport => ({
  channel,
  decisions: { send: 0, defer: 0, skip: 0, deferReasons: {}, skipReasons: {} },
  deliveries: {},
  cancelledReasons: {},
  unsubscribes: 0,
  complaints: 0,
});

const add = (m: Record<string, number>, k: string, n: number) => {
  m[k] = (m[k] ?? 0) + n;
};

/** Counts by outcome and reason per channel, with the unsubscribes and complaints it caused. */
@Injectable()
export class CampaignReportService {
  constructor(private readonly dataSource: DataSource) {}

  async report(campaignId: string): Promise<CampaignReport> {
    const [c]: { id: string; name: string; status: string }[] = await this.dataSource.query(
      `SELECT id, name, status FROM campaigns WHERE id = $1`,
      [campaignId],
    );
    if (!c) throw notFound([`campaign ${campaignId} not found`]);
    const decisions: { channel: string | null; type: string; reason: string | null; n: number }[] =
      await this.dataSource.query(
        `SELECT channel, type, reason, count(*)::int AS n FROM audit_events
          WHERE campaign_id = $1 AND starts_with(type, 'decision.')
          GROUP BY channel, type, reason`,
        [campaignId],
      );
    const deliveries: { channel: string; status: string; n: number }[] =
      await this.dataSource.query(
        `SELECT channel, status, count(*)::int AS n FROM deliveries WHERE campaign_id = $1
        GROUP BY channel, status`,
        [campaignId],
      );
    const cancelled: { channel: string | null; reason: string | null; n: number }[] =
      await this.dataSource.query(
        `SELECT channel, reason, count(DISTINCT delivery_id)::int AS n FROM audit_events
          WHERE campaign_id = $1 AND type = 'delivery.cancelled'
          GROUP BY channel, reason`,
        [campaignId],
      );
    // Withdrawals that name a delivery of this campaign (one-click links, preference pages from a
    // message): each customer counts once per channel. Starts from the campaign's deliveries so
    // the audit is read through its delivery index, never scanned.
    const unsubscribes: { channel: string; n: number }[] = await this.dataSource.query(
      `SELECT d.channel, count(DISTINCT a.customer_id)::int AS n
         FROM deliveries d JOIN audit_events a ON a.delivery_id = d.id
        WHERE d.campaign_id = $1 AND a.type = 'consent.withdrawn'
        GROUP BY d.channel`,
      [campaignId],
    );
    // A complaint is a complained delivery, whether its status still says so or only the audit does.
    const complaints: { channel: string; n: number }[] = await this.dataSource.query(
      `SELECT channel, count(DISTINCT id)::int AS n FROM (
         SELECT id, channel FROM deliveries WHERE campaign_id = $1 AND status = 'complained'
         UNION
         SELECT d.id, d.channel FROM audit_events a JOIN deliveries d ON d.id = a.delivery_id
          WHERE a.campaign_id = $1 AND a.type = 'delivery.complained'
       ) x GROUP BY channel`,
      [campaignId],
    );

    const byChannel = new Map<string, ChannelReport>();
    const get = (ch: string | null) => {
      const key = ch ?? 'none';
      let r = byChannel.get(key);
      if (!r) byChannel.set(key, (r = empty(key)));
      return r;
    };
    for (const d of decisions) {
      const r = get(d.channel);
      const reason = d.reason ?? 'unspecified';
      if (d.type === 'decision.send') r.decisions.send += d.n;
      else if (d.type === 'decision.defer') {
        r.decisions.defer += d.n;
        add(r.decisions.deferReasons, reason, d.n);
      } else if (d.type === 'decision.skip') {
        r.decisions.skip += d.n;
        add(r.decisions.skipReasons, reason, d.n);
      }
    }
    for (const d of deliveries) add(get(d.channel).deliveries, d.status, d.n);
    for (const d of cancelled) add(get(d.channel).cancelledReasons, d.reason ?? 'unspecified', d.n);
    for (const u of unsubscribes) get(u.channel).unsubscribes += u.n;
    for (const x of complaints) get(x.channel).complaints += x.n;

    const channels = [...byChannel.values()].sort((a, b) => a.channel.localeCompare(b.channel));
    const totals = empty('all');
    for (const r of channels) {
      totals.decisions.send += r.decisions.send;
      totals.decisions.defer += r.decisions.defer;
      totals.decisions.skip += r.decisions.skip;
      for (const [k, n] of Object.entries(r.decisions.deferReasons))
        add(totals.decisions.deferReasons, k, n);
      for (const [k, n] of Object.entries(r.decisions.skipReasons))
        add(totals.decisions.skipReasons, k, n);
      for (const [k, n] of Object.entries(r.deliveries)) add(totals.deliveries, k, n);
      for (const [k, n] of Object.entries(r.cancelledReasons)) add(totals.cancelledReasons, k, n);
      totals.unsubscribes += r.unsubscribes;
      totals.complaints += r.complaints;
    }
    const { channel: _all, ...rest } = totals;
    void _all;
    return { campaignId: c.id, name: c.name, status: c.status, channels, totals: rest };
  }
}
