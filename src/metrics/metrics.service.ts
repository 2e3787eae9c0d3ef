import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Gauge, Registry, type Metric } from 'prom-client';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/domain-error';
import { instruments } from '../common/instruments';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { readScrapeCounts, type ScrapeCounts } from './metrics-sql';

/** Scrapes closer together than this share one read of the database. */
const CACHE_MS = 5000;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The Prometheus registry of this app: the process's instruments plus gauges read from the
 * database when scraped (deliveries, backlog, consent changes, unsealed audit rows, outbox).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private cached?: { at: number; counts: Promise<ScrapeCounts> };

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    for (const metric of Object.values(instruments) as Metric[])
      this.registry.registerMetric(metric);
    const registers = [this.registry];
    const counts = () => this.counts();
    new Gauge({
      name: 'tactful_deliveries',
      help: 'Deliveries by channel and status',
      labelNames: ['channel', 'status'],
      registers,
      async collect() {
        this.reset();
        for (const r of (await counts()).deliveries)
          this.set({ channel: r.channel, status: r.status }, r.n);
      },
    });
    new Gauge({
      name: 'tactful_due_backlog',
      help: 'Deliveries planned and due but not yet handed over',
      registers,
      async collect() {
        this.set((await counts()).backlog.n);
      },
    });
    new Gauge({
      name: 'tactful_due_backlog_age_seconds',
      help: 'How long the oldest due delivery has waited',
      registers,
      async collect() {
        this.set((await counts()).backlog.age);
      },
    });
    new Gauge({
      name: 'tactful_consent_changes',
      help: 'Consent ledger entries by action (grant, confirm, withdraw)',
      labelNames: ['action'],
      registers,
      async collect() {
        this.reset();
        for (const r of (await counts()).consent) this.set({ action: r.action }, r.n);
      },
    });
    new Gauge({
      name: 'tactful_audit_rows_unsealed',
      help: 'Audit rows written after the last seal of the hash chain',
      registers,
      async collect() {
        this.set((await counts()).unsealed);
      },
    });
    new Gauge({
      name: 'tactful_webhook_outbox',
      help: 'Outbound webhook messages by status',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        for (const r of (await counts()).outbox) this.set({ status: r.status }, r.n);
      },
    });
  }

  /** 404 when METRICS_TOKEN is unset; 401 without the right bearer token. */
  authorize(authorization: string | undefined): void {
    const token = this.settings.metricsToken;
    if (!token) throw notFound('metrics are not enabled (METRICS_TOKEN)');
    const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(given), digest(token))) {
      throw new DomainError('unauthenticated', 'Authorization must be Bearer <METRICS_TOKEN>');
    }
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private counts(): Promise<ScrapeCounts> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const counts = readScrapeCounts(this.dataSource, this.clock.now());
      counts.catch(() => (this.cached = undefined));
      this.cached = { at: now, counts };
    }
    return this.cached.counts;
  }
}
