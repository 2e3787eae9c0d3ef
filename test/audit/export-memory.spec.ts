import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTestApp, TestApp } from '../support/test-app';

const ROWS = 200_000;
const MB = 1024 * 1024;

// A full collection before each sample measures what is live, not garbage V8 has not collected
// yet (the documented way to reach gc() without starting node with --expose-gc).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('audit export of a large audit', () => {
  let t: TestApp;
  let auditor: string;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({ env: { TACTFUL_ROLES: 'api' } });
    auditor = await t.keyFor('auditor');
    // ~500 bytes a row: the whole export is ~100 MB, far more than the bound below.
    await t.db.query(
      `INSERT INTO audit_events (at, type, customer_id, campaign_id, delivery_id, channel, reason, policy_version, actor, data)
       SELECT now() - make_interval(secs => g), 'decision.skip', gen_random_uuid(), gen_random_uuid(), NULL, 'email',
              'budget_exhausted', 1, 'system',
              jsonb_build_object('step', 0, 'nextEligibleAt', '2027-05-14T10:00:00Z', 'pad', repeat('x', 300))
         FROM generate_series(1, $1) g`,
      [ROWS],
    );
    const server = t.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    // A budget, not a bound: seeding 200,000 rows shares two cores with the rest of the suite.
  }, 240_000);
  afterAll(() => t.close());

  /** Streams the export, reading as fast as it comes; samples this process's memory meanwhile. */
  function stream(format: string) {
    return new Promise<{ lines: number; bytes: number; heapGrowth: number; rssGrowth: number }>(
      (resolve, reject) => {
        gc();
        const base = process.memoryUsage();
        let peakHeap = base.heapUsed;
        let peakRss = base.rss;
        const sample = setInterval(() => {
          gc();
          const m = process.memoryUsage();
          peakHeap = Math.max(peakHeap, m.heapUsed);
          peakRss = Math.max(peakRss, m.rss);
        }, 250);
        let lines = 0;
        let bytes = 0;
        get(
          {
            host: '127.0.0.1',
            port,
            path: `/v1/audit/export?format=${format}`,
            headers: { Authorization: `Bearer ${auditor}` },
          },
          (res) => {
            if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
            res.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
              for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
            });
            res.on('end', () => {
              clearInterval(sample);
              resolve({
                lines,
                bytes,
                heapGrowth: peakHeap - base.heapUsed,
                rssGrowth: peakRss - base.rss,
              });
            });
            res.on('error', reject);
          },
        ).on('error', reject);
      },
    );
  }

  it.each(['ndjson', 'csv'])(
    'streams %s without holding it in memory',
    async (format) => {
      const r = await stream(format);
      const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events`);
      expect(r.lines).toBe(audit[0].n + (format === 'csv' ? 1 : 0));
      expect(r.bytes).toBeGreaterThan(90 * MB);
      // Generous bounds, yet well under the size of the export: nothing accumulates.
      expect(r.heapGrowth).toBeLessThan(32 * MB);
      expect(r.rssGrowth).toBeLessThan(80 * MB);
      process.stdout.write(
        `[audit export ${format}] ${r.lines} lines, ${(r.bytes / MB).toFixed(0)} MB, heap +${(r.heapGrowth / MB).toFixed(1)} MB, rss +${(r.rssGrowth / MB).toFixed(1)} MB\n`,
      );
    },
    120_000,
  );
});
