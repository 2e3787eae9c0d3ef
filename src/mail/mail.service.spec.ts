import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { startSmtpServer, type TestSmtpServer } from '../../test/support/smtp';
import { Clock } from '../common/clock';
import type { Settings } from '../config/settings';
import { MailService } from './mail.service';

class FixedClock extends Clock {
  now(): Date {
    return new Date('2026-11-23T10:00:00.000Z');
  }
}

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

function settings(overrides: Partial<Settings>): Settings {
  return {
    mailFrom: 'Shop <news@shop.example>',
    dataDir: mkdtempSync(join(tmpdir(), 'tactful-mail-')),
    ...overrides,
  } as Settings; // only the fields MailService reads
}

const mail = {
  to: 'anna@example.com',
  subject: 'Привет, Анна',
  html: '<p>Здравствуйте!</p>',
  text: 'Здравствуйте!',
  headers: { 'List-Unsubscribe': '<https://shop.example/u/abc>' },
};

describe('MailService over SMTP', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(() => smtp.close());

  it('delivers through the pooled transport with DKIM and the given headers', async () => {
    const service = new MailService(
      settings({
        smtpUrl: smtp.url,
        dkim: { domainName: 'shop.example', keySelector: 'tactful', privateKey },
      }),
      new FixedClock(),
    );
    try {
      const sent = await service.send(mail);
      expect(sent.transport).toBe('smtp');
      expect(sent.response).toMatch(/^250/);
      const [received] = await smtp.waitFor(1);
      expect(received.to).toEqual(['anna@example.com']);
      expect(received.from).toBe('news@shop.example');
      expect(received.parsed.subject).toBe('Привет, Анна');
      expect(received.parsed.text?.trim()).toBe('Здравствуйте!');
      expect(received.parsed.messageId).toBe(sent.messageId);
      expect(received.raw.toString()).toContain('List-Unsubscribe: <https://shop.example/u/abc>');
      expect(received.raw.toString()).toMatch(/DKIM-Signature: .*d=shop\.example/);
    } finally {
      await service.onModuleDestroy();
    }
  });

  it('rethrows a rejected recipient with its SMTP response code', async () => {
    const service = new MailService(settings({ smtpUrl: smtp.url }), new FixedClock());
    smtp.setResponder((rcpt) =>
      rcpt.startsWith('gone@') ? { code: 550, message: 'No such user' } : null,
    );
    try {
      await expect(service.send({ ...mail, to: 'gone@example.com' })).rejects.toMatchObject({
        responseCode: 550,
      });
      smtp.setResponder(() => ({ code: 451, message: 'Try again later' }));
      await expect(service.send(mail)).rejects.toMatchObject({ responseCode: 451 });
    } finally {
      smtp.setResponder(null);
      await service.onModuleDestroy();
    }
  });
});

describe('MailService without SMTP_URL', () => {
  it('lets nodemailer compose what the one-pass composer leaves to it (a named recipient)', async () => {
    const s = settings({});
    const service = new MailService(s, new FixedClock());
    const sent = await service.send({ ...mail, to: 'Anna Petrova <anna@example.com>' });
    expect(sent.transport).toBe('outbox');
    const eml = readdirSync(join(s.dataDir, 'outbox')).find((f) => f.endsWith('.eml'))!;
    const parsed = await simpleParser(readFileSync(join(s.dataDir, 'outbox', eml)));
    expect(parsed.to && 'value' in parsed.to ? parsed.to.value[0] : null).toMatchObject({
      name: 'Anna Petrova',
      address: 'anna@example.com',
    });
    expect(parsed.text?.trim()).toBe('Здравствуйте!');
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toBe(
      'List-Unsubscribe: <https://shop.example/u/abc>',
    );
    await service.onModuleDestroy();
  });

  it('writes the message and a summary into the outbox folder', async () => {
    const s = settings({});
    const service = new MailService(s, new FixedClock());
    const sent = await service.send({ ...mail, messageId: 'fixed-1@shop.example' });
    expect(sent).toMatchObject({ transport: 'outbox', messageId: '<fixed-1@shop.example>' });
    const files = readdirSync(join(s.dataDir, 'outbox')).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^2026-11-23T10-00-00\.000Z-.*\.eml$/);
    const parsed = await simpleParser(readFileSync(join(s.dataDir, 'outbox', files[0])));
    expect(parsed.subject).toBe('Привет, Анна');
    expect(parsed.messageId).toBe('<fixed-1@shop.example>');
    const summary = JSON.parse(readFileSync(join(s.dataDir, 'outbox', files[1]), 'utf8'));
    expect(summary).toMatchObject({
      messageId: '<fixed-1@shop.example>',
      to: 'anna@example.com',
      subject: 'Привет, Анна',
      at: '2026-11-23T10:00:00.000Z',
    });
    await service.onModuleDestroy();
  });
});
