import { createHash, createVerify, generateKeyPairSync } from 'node:crypto';
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

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/**
 * Checks a relaxed/relaxed rsa-sha256 DKIM signature (RFC 6376 3.4.2, 3.4.4, 3.7): the body
 * hash and the signature over the signed header fields. Enough for messages this module writes.
 */
function dkimVerifies(raw: string, key: string): { bodyHash: boolean; signature: boolean } {
  const end = raw.indexOf('\r\n\r\n');
  const fields = raw
    .slice(0, end)
    .split(/\r\n(?=[^ \t])/)
    .map((line) => ({ name: line.slice(0, line.indexOf(':')).trim().toLowerCase(), line }));
  const relaxed = (f: { name: string; line: string }) =>
    `${f.name}:${f.line
      .slice(f.line.indexOf(':') + 1)
      .replace(/\r\n/g, '')
      .replace(/[ \t]+/g, ' ')
      .trim()}`;
  const sig = fields.find((f) => f.name === 'dkim-signature')!;
  const tags = new Map(
    sig.line
      .slice(sig.line.indexOf(':') + 1)
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => [
        t.slice(0, t.indexOf('=')).trim(),
        t.slice(t.indexOf('=') + 1).replace(/\s+/g, ''),
      ]),
  );
  const body =
    raw
      .slice(end + 4)
      .split('\r\n')
      .map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''))
      .join('\r\n')
      .replace(/(\r\n)*$/, '') + '\r\n';
  const bodyHash = createHash('sha256').update(body).digest('base64') === tags.get('bh');
  const seen = new Map<string, number>();
  let signed = '';
  for (const name of tags.get('h')!.toLowerCase().split(':')) {
    const all = fields.filter((f) => f.name === name);
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    const f = all[all.length - n]; // the last unused instance first
    if (f) signed += `${relaxed(f)}\r\n`;
  }
  signed += relaxed({ ...sig, line: sig.line.replace(/\bb=[^;]*$/, 'b=') });
  const signature = createVerify('RSA-SHA256').update(signed).verify(key, tags.get('b')!, 'base64');
  return { bodyHash, signature };
}

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
  headers: {
    'List-Unsubscribe': '<https://shop.example/u/abc>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
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
      // RFC 8058: the one-click header is signed along with List-Unsubscribe.
      const signedHeaders = /\bh=([^;]+);/.exec(
        received.raw.toString().replace(/\r\n[ \t]+/g, ' '),
      );
      expect(
        signedHeaders?.[1]
          .toLowerCase()
          .split(':')
          .map((h) => h.trim()),
      ).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']));
      // The message is composed by mime.ts and signed by nodemailer: the signature must hold.
      expect(dkimVerifies(received.raw.toString(), publicKey)).toEqual({
        bodyHash: true,
        signature: true,
      });
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
