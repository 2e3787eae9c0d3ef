// npm run bench:send — the sender end to end: 50,000 e-mails to an SMTP server in another
// process, against a bare pooled nodemailer loop sending the same messages to the same server;
// then 20,000 SMS to a Twilio-shaped server in another process. BENCH_ROWS scales the e-mails
// (SMS are 40 % of it). For profiling one side: BENCH_SKIP_BASELINE, BENCH_SKIP_EMAIL, BENCH_SKIP_SMS; BENCH_BATCH and
// BENCH_LOOPS set the sender's batch size and parallel claim loops; BENCH_PG_STATS=1 prints the
// database's top statements of the SMS run (pg_stat_statements), for profiling.
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { AppModule } from '../src/app.module';
import { loadSettings } from '../src/config/settings';
import { SETTINGS } from '../src/common/tokens';
import type { Settings } from '../src/config/settings';
import { MessageRenderer } from '../src/delivery/renderer';
import { SenderService } from '../src/delivery/sender.service';
import { LinkTokenService } from '../src/tokens/link-token.service';
import { TemplatesService } from '../src/templates/templates.service';
import type { CreateTemplateDto } from '../src/templates/templates.dto';
import { SEED_TEMPLATE, seedPlannedDeliveries } from '../test/delivery/seed';
import { startTwilioServer } from '../test/support/twilio-server';
import { benchDatabase, fmt } from './support';

const EMAILS = Number(process.env.BENCH_ROWS ?? 50_000);
const SMS = Math.max(1, Math.round(EMAILS * 0.4));
/** As MailService's pooled transport. */
const SMTP_CONNECTIONS = 5;
/** BENCH_PG_STATS=1: load pg_stat_statements and print where the database's time went (SMS run). */
const PG_STATS = process.env.BENCH_PG_STATS === '1';
/**
 * BENCH_CLICKS=1: the seed template carries three shop links, so every e-mail has them rewritten
 * to tracked /r/ links at hand-over (the baseline sends the same template's links as written).
 */
const CLICKS = process.env.BENCH_CLICKS === '1';
const SEED_TEMPLATE_WITH_LINKS: CreateTemplateDto = {
  name: SEED_TEMPLATE.name,
  locales: {
    en: {
      ...SEED_TEMPLATE.locales.en,
      html:
        `${SEED_TEMPLATE.locales.en.html}<p><a href="https://shop.example/spring?utm_source=mail">Spring</a> · ` +
        `<a href="https://shop.example/boots">Boots</a> · <a href="https://shop.example/care">Care</a></p>`,
      text: `${SEED_TEMPLATE.locales.en.text}\nSpring: https://shop.example/spring?utm_source=mail`,
    },
  },
} as CreateTemplateDto;

type SinkMessage = { port: number } | { count: number };

// ------------------------------------------------------------------ sinks (child processes)

/** `send.ts smtp-sink`: an SMTP server that counts and discards. */
async function smtpSink(): Promise<void> {
  let count = 0;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        count++;
        callback(null);
      });
      stream.resume();
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.server.address() as { port: number };
  process.send!({ port });
  process.on('message', () => process.send!({ count }));
}

/** `send.ts twilio-sink`: the Twilio-shaped test server, counting only. */
async function twilioSink(): Promise<void> {
  const server = await startTwilioServer({
    record: false,
    accountSid: process.env.SINK_ACCOUNT_SID,
    authToken: process.env.SINK_AUTH_TOKEN,
  });
  process.send!({ port: Number(new URL(server.url).port) });
  process.on('message', () => process.send!({ count: server.created.message }));
}

interface Sink {
  port: number;
  count(): Promise<number>;
  stop(): void;
}

async function startSink(kind: 'smtp-sink' | 'twilio-sink', env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', '@swc-node/register', __filename, kind],
    {
      cwd: join(__dirname, '..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: SinkMessage) => ('port' in m ? resolve(m.port) : reject()));
    child.once('exit', () => reject(new Error(`${kind} exited`)));
  });
  const sink: Sink = {
    port,
    count: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m: SinkMessage) => resolve('count' in m ? m.count : -1));
        child.send('count');
      }),
    stop: () => void child.kill('SIGTERM'),
  };
  return sink;
}

// ------------------------------------------------------------------ CPU accounting

/**
 * CPU seconds used so far by this process and its descendants, by command (postgres = the server
 * and its backends). CPU time, unlike wall time, stays comparable when other work shares the
 * machine: µs per message says what one message costs each party.
 */
function cpuByCommand(): Map<string, number> {
  const procs = new Map<number, { ppid: number; comm: string; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      procs.set(Number(entry), {
        ppid: Number(f[1]),
        comm,
        // utime + stime, plus reaped children for the others (a postgres backend that exited
        // counts in the postmaster); not for this process, whose reaped children are the sinks.
        cpu:
          (Number(f[11]) +
            Number(f[12]) +
            (Number(entry) === process.pid ? 0 : Number(f[13]) + Number(f[14]))) /
          100,
      });
    } catch {
      // the process ended while we looked
    }
  }
  const mine = (pid: number): boolean => {
    if (pid === process.pid) return true;
    for (let p = procs.get(pid)?.ppid; p !== undefined && p > 1; p = procs.get(p)?.ppid) {
      if (p === process.pid) return true;
    }
    return false;
  };
  const out = new Map<string, number>();
  for (const [pid, p] of procs) {
    if (!mine(pid)) continue;
    const key =
      pid === process.pid ? 'sender' : p.comm.startsWith('postgres') ? 'postgres' : 'sink';
    out.set(key, (out.get(key) ?? 0) + p.cpu);
  }
  return out;
}

class CpuMeter {
  private total = new Map<string, number>();
  private start = new Map<string, number>();
  begin(): void {
    this.start = cpuByCommand();
  }
  end(): void {
    for (const [k, v] of cpuByCommand()) {
      this.total.set(k, (this.total.get(k) ?? 0) + v - (this.start.get(k) ?? 0));
    }
  }
  perMessage(n: number): string {
    return [...this.total].map(([k, sec]) => `${k} ${fmt((sec * 1e6) / n)} µs`).join(', ');
  }
}

// ------------------------------------------------------------------ the run

async function boot(databaseUrl: string, env: Record<string, string>): Promise<INestApplication> {
  const settings = loadSettings({
    ...process.env,
    DATABASE_URL: databaseUrl,
    TACTFUL_ROLES: 'api', // no interval: the bench ticks by hand and times it
    TACTFUL_SECRET: 'bench-secret-0123456789abcdef0123456789',
    TACTFUL_DATA_DIR: mkdtempSync(join(tmpdir(), 'tactful-bench-send-')),
    LOG_LEVEL: 'silent',
    MAIL_FROM: 'Shop <news@shop.example>',
    EMAIL_RATE_PER_SECOND: '1000000',
    SMS_RATE_PER_SECOND: '1000000',
    ...env,
  });
  const app = await NestFactory.create(AppModule.forRoot(settings, databaseUrl), {
    logger: false,
    bodyParser: false,
  });
  await app.init();
  return app;
}

/** Ticks until `n` deliveries are sent; returns seconds. */
async function drain(sender: SenderService, n: number): Promise<number> {
  const t0 = performance.now();
  let sent = 0;
  let idle = 0;
  while (sent < n) {
    const r = await sender.tick();
    sent += r.sent;
    if (r.failed || r.unknown || r.cancelled || r.retried) {
      throw new Error(`unexpected outcomes: ${JSON.stringify(r)}`);
    }
    if (r.claimed === 0 && ++idle > 50) throw new Error(`stalled at ${sent} of ${n}`);
  }
  return (performance.now() - t0) / 1000;
}

/** One rendered e-mail with `#I#` where the recipient's number goes; the baseline fills it in. */
interface BaselineMessage {
  subject: string;
  html: string;
  text: string;
  unsubscribeUrl: string;
}

/**
 * The message the sender sends to seeded customer i (src/delivery/sender.service.ts builds the
 * same context): the seed template in the e-mail layout with its footer, real link tokens.
 * Rendered once; the baseline puts each recipient's number in, so it sends the same messages
 * without paying for rendering.
 */
async function baselineMessage(app: INestApplication): Promise<BaselineMessage> {
  const settings = app.get<Settings>(SETTINGS);
  const tokens = app.get(LinkTokenService);
  const scope = { customerId: randomUUID(), channel: 'email' as const, topic: 'tips' };
  const unsubscribeUrl = `${settings.publicUrl}/u/${tokens.issue({ ...scope, purpose: 'unsubscribe', deliveryId: randomUUID() })}`;
  const preferences = `${settings.publicUrl}/p/${tokens.issue({ ...scope, purpose: 'preferences', deliveryId: randomUUID() })}`;
  const rendered = await app.get(MessageRenderer).render('seed', 1, 'email', {
    customer: {
      name: 'Customer #I#',
      email: 'c#I#@mail.example',
      phone: null,
      company: null,
      locale: 'en',
      timezone: 'Etc/UTC',
      lifecycleStage: 'prospect',
      attributes: {},
    },
    company: { ...settings.company },
    campaign: {
      name: 'seed',
      topic: 'tips',
      goal: 'retention',
      effectiveAt: null,
      title: 'seed',
      summary: '',
    },
    links: { unsubscribe: unsubscribeUrl, preferences },
    now: new Date(),
    reason: `You receive this because you subscribed to “Tips” from ${settings.company.name}.`,
  });
  if (rendered.channel !== 'email') throw new Error('expected an e-mail');
  return { subject: rendered.subject, html: rendered.html, text: rendered.text, unsubscribeUrl };
}

/** The baseline: the same messages through a bare pooled nodemailer transport. */
async function bareNodemailer(
  port: number,
  n: number,
  round: number,
  message: BaselineMessage,
): Promise<number> {
  const transport = createTransport({
    pool: true,
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    maxConnections: SMTP_CONNECTIONS,
  });
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const id = String(i);
      await transport.sendMail({
        from: 'Shop <news@shop.example>',
        to: `c${i}.bare${round}@mail.example`,
        subject: message.subject.replaceAll('#I#', id),
        html: message.html.replaceAll('#I#', id),
        text: message.text.replaceAll('#I#', id),
        messageId: `<bare-${round}-${i}@shop.example>`,
        headers: {
          'List-Unsubscribe': `<${message.unsubscribeUrl}>, <mailto:unsubscribe@shop.example?subject=unsubscribe>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'Feedback-ID': 'campaign:tips:shop',
        },
      });
    }
  };
  // As many in flight as the sender has (its claim loops × a batch), bounded by the pool.
  await Promise.all(Array.from({ length: 200 }, worker));
  const sec = (performance.now() - t0) / 1000;
  transport.close();
  return sec;
}

/** The SMS run: SMS messages through the twilio SDK to a Twilio-shaped server; returns seconds. */
async function sendSms(databaseUrl: string, db: Client, smsCpu: CpuMeter): Promise<number> {
  const sid = `AC${'0123456789abcdef'.repeat(2)}`;
  const token = 'bench-twilio-token-0123';
  const tw = await startSink('twilio-sink', { SINK_ACCOUNT_SID: sid, SINK_AUTH_TOKEN: token });
  const smsApp = await boot(databaseUrl, {
    TWILIO_ACCOUNT_SID: sid,
    TWILIO_AUTH_TOKEN: token,
    TWILIO_FROM: '+15005550006',
    TWILIO_API_URL: `http://127.0.0.1:${tw.port}`,
  });
  await seedPlannedDeliveries(db, { n: SMS, channel: 'sms', tag: 'sms' });
  const smsSender = smsApp.get(SenderService);
  smsSender.batchSize = Number(process.env.BENCH_BATCH ?? 100);
  if (process.env.BENCH_LOOPS) smsSender.loops = Number(process.env.BENCH_LOOPS);
  if (PG_STATS) {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await db.query('SELECT pg_stat_statements_reset()');
  }
  smsCpu.begin();
  const smsSec = await drain(smsSender, SMS);
  smsCpu.end();
  if (PG_STATS) {
    // Where the database's time went per SMS (nested statements included), for profiling.
    const { rows } = await db.query(
      `SELECT calls, round(total_exec_time)::int AS ms,
              round(1000 * total_exec_time / $1)::int AS us_per_sms, rows, wal_bytes,
              left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query
         FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12`,
      [SMS],
    );
    console.table(rows);
    console.table(
      (
        await db.query(
          `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`,
        )
      ).rows,
    );
  }
  const smsReceived = await tw.count();
  if (smsReceived !== SMS) throw new Error(`Twilio server created ${smsReceived} of ${SMS}`);
  await smsApp.close();
  tw.stop();
  return smsSec;
}

async function main(): Promise<void> {
  console.log(
    `bench:send — ${fmt(EMAILS)} e-mails, ${fmt(SMS)} SMS${CLICKS ? ', links tracked (BENCH_CLICKS=1)' : ''}`,
  );
  const pg = await benchDatabase(
    PG_STATS ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : [],
  );
  const db = new Client({ connectionString: pg.url });
  await db.connect();

  // ---- e-mail: the baseline and the sender take turns, so load from elsewhere on the machine
  // falls on both alike.
  const smtp = await startSink('smtp-sink');
  const app = await boot(pg.url, { SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
  await app
    .get(TemplatesService)
    .create(CLICKS ? SEED_TEMPLATE_WITH_LINKS : SEED_TEMPLATE, 'bench');
  const sender = app.get(SenderService);
  sender.batchSize = Number(process.env.BENCH_BATCH ?? 100);
  if (process.env.BENCH_LOOPS) sender.loops = Number(process.env.BENCH_LOOPS);
  const message = await baselineMessage(app);
  let baselineSec = 0;
  let senderSec = 0;
  const baselineCpu = new CpuMeter();
  const senderCpu = new CpuMeter();
  let delivered = 0;
  const rounds = process.env.BENCH_SKIP_EMAIL ? 0 : EMAILS >= 10_000 ? 4 : 2;
  for (let r = 0; r < rounds; r++) {
    const n = Math.floor(EMAILS / rounds) + (r === rounds - 1 ? EMAILS % rounds : 0);
    if (!process.env.BENCH_SKIP_BASELINE) {
      baselineCpu.begin();
      baselineSec += await bareNodemailer(smtp.port, n, r, message);
      baselineCpu.end();
      delivered += n;
    }
    if ((await smtp.count()) !== delivered) throw new Error('baseline lost messages');
    const t0 = performance.now();
    await seedPlannedDeliveries(db, { n, channel: 'email', tag: `mail${r}` });
    const seedSec = (performance.now() - t0) / 1000;
    senderCpu.begin();
    senderSec += await drain(sender, n);
    senderCpu.end();
    delivered += n;
    const got = await smtp.count();
    if (got !== delivered) throw new Error(`SMTP server received ${got}, expected ${delivered}`);
    console.log(
      `  round ${r + 1}/${rounds}: ${fmt(n)} e-mails each (seeded in ${seedSec.toFixed(1)} s)`,
    );
  }
  await app.close();
  smtp.stop();

  // ---- SMS
  const smsCpu = new CpuMeter();
  const smsSec = process.env.BENCH_SKIP_SMS ? 0 : await sendSms(pg.url, db, smsCpu);

  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM audit_events WHERE type = 'delivery.sent'`,
  );
  await db.end();
  await pg.stop();

  const mailRate = EMAILS / senderSec;
  const bareRate = EMAILS / baselineSec;
  const smsRate = SMS / smsSec;
  console.log(
    `  sender, e-mail (claim, consent + suppression re-check, render, SMTP, record + audit): ${senderSec.toFixed(1)} s, ${fmt(mailRate)} messages/s`,
  );
  console.log(
    `  baseline, bare pooled nodemailer (${SMTP_CONNECTIONS} connections), same server:     ${baselineSec.toFixed(1)} s, ${fmt(bareRate)} messages/s`,
  );
  console.log(`  ratio sender/baseline: ${(mailRate / bareRate).toFixed(2)}`);
  // Each side sends all EMAILS messages (rounds × n), so that is the divisor for both.
  console.log(`  CPU per e-mail, sender run:   ${senderCpu.perMessage(EMAILS)}`);
  console.log(`  CPU per e-mail, baseline run: ${baselineCpu.perMessage(EMAILS)}`);
  console.log(
    `  sender, SMS through the twilio SDK:    ${smsSec.toFixed(1)} s, ${fmt(smsRate)} messages/s`,
  );
  console.log(`  CPU per SMS:                  ${smsCpu.perMessage(SMS)}`);
  console.log(`  delivery.sent audit rows: ${fmt(rows[0].n)}`);
  console.log(
    `  targets: e-mail ≥ 700/s ${mailRate >= 700 ? 'MET' : 'MISSED'}; ratio ≥ 0.9 ${mailRate / bareRate >= 0.9 ? 'MET' : 'MISSED'}; SMS ≥ 1,000/s ${smsRate >= 1000 ? 'MET' : 'MISSED'}`,
  );
}

const mode = process.argv[2];
const run = mode === 'smtp-sink' ? smtpSink() : mode === 'twilio-sink' ? twilioSink() : main();
run.then(
  () => {
    if (!mode) process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
