import { Counter, Histogram } from 'prom-client';

/**
 * What this process measures as it works (hand-overs, provider errors, planner decisions, HTTP
 * latency, webhook attempts). Created once per process and registered into each app's metrics
 * registry (metrics/metrics.service.ts); counts that live in the database are read at scrape
 * time there instead. Labels are codes only, never personal data.
 */
export const instruments = {
  handOverSeconds: new Histogram({
    name: 'tactful_sender_hand_over_seconds',
    help: 'Time a provider took to accept (or refuse) one message, by channel',
    labelNames: ['channel'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [],
  }),
  providerErrors: new Counter({
    name: 'tactful_provider_errors_total',
    help: 'Hand-overs a provider refused or that failed, by channel and failure kind',
    labelNames: ['channel', 'kind'] as const,
    registers: [],
  }),
  decisions: new Counter({
    name: 'tactful_decisions_total',
    help: 'Planner decisions by decision and reason (send has no reason)',
    labelNames: ['decision', 'reason'] as const,
    registers: [],
  }),
  httpSeconds: new Histogram({
    name: 'tactful_http_request_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  }),
  webhookAttempts: new Counter({
    name: 'tactful_webhook_attempts_total',
    help: 'Outbound webhook attempts by outcome (sent, retrying, failed)',
    labelNames: ['outcome'] as const,
    registers: [],
  }),
};

/** One increment per distinct decision and reason of a planned batch. */
export function countDecisions(audits: readonly { type: string; reason: string | null }[]): void {
  const counts = new Map<string, number>();
  for (const a of audits) {
    const key = `${a.type}\u0000${a.reason ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, n] of counts) {
    const [type, reason] = key.split('\u0000');
    instruments.decisions.inc({ decision: type.replace(/^decision\./, ''), reason }, n);
  }
}
