// npm run bench:import — 1,000,000 NDJSON customers streamed through POST /v1/customers/import,
// against a plain COPY of the same rows into a scratch table in the same run.
import 'reflect-metadata';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { benchDatabase, fmt, startService } from './support';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ADMIN_KEY = 'bench-admin-key-0123456789';
const ZONES = [
  'Europe/Moscow',
  'Europe/London',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Yekaterinburg',
];

function customer(i: number) {
  const business = i % 5 === 0;
  return {
    externalId: `crm-${i}`,
    kind: business ? 'business' : 'consumer',
    name: `Customer ${i}`,
    email: `customer${i}@example.ru`,
    phone: `+7916${String(1_000_000 + (i % 9_000_000)).padStart(7, '0')}`,
    timezone: ZONES[i % ZONES.length],
    locale: i % 3 === 0 ? 'en' : 'ru',
    ...(business
      ? { company: `Company ${i % 1000}`, accountManager: { name: 'Igor', phone: '+79161112233' } }
      : {}),
    attributes: { city: i % 2 ? 'Kazan' : 'Moscow', segment: i % 7 },
  };
}

async function writeFiles(dir: string): Promise<{ ndjson: string; csv: string }> {
  const ndjson = join(dir, 'customers.ndjson');
  const csv = join(dir, 'customers.csv');
  const nd = createWriteStream(ndjson);
  const cs = createWriteStream(csv);
  const q = (v: unknown) => (v === undefined ? '' : `"${String(v).replace(/"/g, '""')}"`);
  for (let i = 0; i < ROWS; i++) {
    const c = customer(i);
    const okNd = nd.write(`${JSON.stringify(c)}\n`);
    const okCs = cs.write(
      [
        c.externalId,
        c.kind,
        c.name,
        c.email,
        c.phone,
        c.timezone,
        c.locale,
        c.company,
        JSON.stringify(c.attributes),
      ]
        .map(q)
        .join(',') + '\n',
    );
    if (!okNd) await new Promise<void>((r) => nd.once('drain', () => r()));
    if (!okCs) await new Promise<void>((r) => cs.once('drain', () => r()));
  }
  await Promise.all([new Promise<void>((r) => nd.end(r)), new Promise<void>((r) => cs.end(r))]);
  return { ndjson, csv };
}

/**
 * CPU seconds used so far by this process's descendants, by command (node = the service,
 * postgres = the server and its backends, reaped children included). CPU time, unlike wall time,
 * stays comparable when other work shares the machine: the per-row figures say where time goes.
 */
function cpuByCommand(): Map<string, number> {
  const tick = 100; // USER_HZ on Linux
  const procs = new Map<number, { ppid: number; comm: string; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      // fields after comm: state ppid ... utime(12) stime(13) cutime(14) cstime(15), 0-based from state
      const cpu = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / tick;
      procs.set(Number(entry), { ppid: Number(f[1]), comm, cpu });
    } catch {
      // the process ended while we looked
    }
  }
  const isMine = (pid: number): boolean => {
    for (let p = procs.get(pid)?.ppid; p !== undefined && p > 1; p = procs.get(p)?.ppid) {
      if (p === process.pid) return true;
    }
    return false;
  };
  const out = new Map<string, number>();
  for (const [pid, p] of procs) {
    if (!isMine(pid)) continue;
    const key = p.comm.startsWith('postgres') ? 'postgres' : p.comm;
    out.set(key, (out.get(key) ?? 0) + p.cpu);
  }
  return out;
}

function postFile(port: number, file: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/customers/import',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${ADMIN_KEY}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tactful-bench-files-'));
  console.log(`bench:import — ${fmt(ROWS)} customers`);
  const pg = await benchDatabase();
  const files = await writeFiles(dir);
  console.log(`  files written: NDJSON ${fmt(statSync(files.ndjson).size / 1e6)} MB`);

  // The service runs in its own process, as in production, so its peak RSS is its own.
  const service = await startService(pg.url, ADMIN_KEY);
  const cpu0 = cpuByCommand();
  const t0 = performance.now();
  const result = await postFile(service.port, files.ndjson);
  const importSec = (performance.now() - t0) / 1000;
  const cpu1 = cpuByCommand();
  const cpuPerRow = [...cpu1]
    .map(([comm, sec]) => `${comm} ${(((sec - (cpu0.get(comm) ?? 0)) * 1e6) / ROWS).toFixed(1)} µs`)
    .join(', ');
  const peakRssMb = service.peakRssMb();
  await service.stop();
  const report = JSON.parse(result.body) as { rows: number; inserted: number; failed: number };
  if (result.status !== 200 || report.failed !== 0 || report.inserted !== ROWS) {
    throw new Error(`import did not succeed: ${result.status} ${result.body.slice(0, 500)}`);
  }

  // Baseline: the same rows, COPY'd as CSV into a scratch table with the same columns and indexes.
  const client = new Client({ connectionString: pg.url });
  await client.connect();
  await client.query(`CREATE TABLE scratch (LIKE customers INCLUDING DEFAULTS INCLUDING INDEXES)`);
  const t1 = performance.now();
  await pipeline(
    createReadStream(files.csv),
    client.query(
      copyFrom(
        `COPY scratch (external_id, kind, name, email, phone, timezone, locale, company, attributes) FROM STDIN WITH (FORMAT csv)`,
      ),
    ),
  );
  const copySec = (performance.now() - t1) / 1000;
  await client.end();
  await pg.stop();

  const importRate = ROWS / importSec;
  const copyRate = ROWS / copySec;
  console.log(
    `  import (HTTP, validated, upserted): ${importSec.toFixed(1)} s, ${fmt(importRate)} rows/s`,
  );
  console.log(`  CPU per imported row:               ${cpuPerRow}`);
  console.log(`  peak RSS of the service process:    ${peakRssMb.toFixed(0)} MB`);
  console.log(
    `  baseline COPY of the same rows:     ${copySec.toFixed(1)} s, ${fmt(copyRate)} rows/s`,
  );
  console.log(
    `  ratio import/COPY throughput:       ${(importRate / copyRate).toFixed(2)} (COPY is ${(copyRate / importRate).toFixed(1)}× faster)`,
  );
  console.log(
    `  targets: ≥ 20,000 rows/s ${importRate >= 20_000 ? 'MET' : 'MISSED'}; peak RSS ≤ 300 MB ${peakRssMb <= 300 ? 'MET' : 'MISSED'}`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
