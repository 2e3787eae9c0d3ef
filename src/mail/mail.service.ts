import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type StreamTransport from 'nodemailer/lib/stream-transport';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import type { OutgoingMail, SentMail } from './mail.types';
import { composeMime } from './mime';

/** Signed by DKIM: nodemailer's default list (RFC 4871 5.5) and the headers Tactful adds. */
const DKIM_SIGNED_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:' +
  'Content-Transfer-Encoding:Content-ID:Content-Description:Resent-Date:Resent-From:' +
  'Resent-Sender:Resent-To:Resent-Cc:Resent-Message-ID:In-Reply-To:References:List-Id:' +
  'List-Help:List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:List-Post:List-Owner:' +
  'List-Archive:Feedback-ID';
/** Connections of the pooled SMTP transport: how many messages are handed over at once. */
export const SMTP_POOL_CONNECTIONS = 5;

/** `<id@domain>`: Message-IDs are generated here so that the outbox and SMTP paths agree. */
function messageIdFor(mail: OutgoingMail, from: string): string {
  if (mail.messageId)
    return mail.messageId.startsWith('<') ? mail.messageId : `<${mail.messageId}>`;
  const domain = /@([^@\s<>]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${randomUUID()}@${domain}>`;
}

/**
 * Sends e-mail: through a pooled SMTP transport when SMTP_URL is set, otherwise into the outbox
 * folder (`<dataDir>/outbox/<iso-time>-<id>.eml` plus a `.json` summary) so that a deployment
 * without a relay still shows exactly what would have gone out. DKIM signs both.
 * SMTP errors are rethrown untouched (responseCode, code) so callers can tell 4xx from 5xx.
 */
@Injectable()
export class MailService implements OnModuleDestroy {
  private readonly logger = new Logger(MailService.name);
  private smtp?: Transporter<SMTPPool.SentMessageInfo>;
  private outbox?: Transporter<StreamTransport.SentMessageInfo>;
  /** Sends still under way; shutdown waits for them before closing the pool. */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly clock: Clock,
  ) {}

  get transport(): 'smtp' | 'outbox' {
    return this.settings.smtpUrl ? 'smtp' : 'outbox';
  }

  /** The outbox folder (used when SMTP_URL is unset). */
  get outboxDir(): string {
    return join(this.settings.dataDir, 'outbox');
  }

  send(mail: OutgoingMail): Promise<SentMail> {
    const sending = this.deliver(mail);
    this.inflight.add(sending);
    const done = () => this.inflight.delete(sending);
    sending.then(done, done);
    return sending;
  }

  private async deliver(mail: OutgoingMail): Promise<SentMail> {
    const from = mail.from ?? this.settings.mailFrom;
    const messageId = messageIdFor(mail, from);
    const summary = {
      from,
      to: mail.to,
      subject: mail.subject,
      headers: mail.headers,
      replyTo: mail.replyTo,
    };
    // Composed here in one pass (see mime.ts) unless it needs nodemailer's full composer.
    const composed = composeMime({
      from,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers: mail.headers,
      replyTo: mail.replyTo,
      messageId,
      date: this.clock.now(),
    });
    const message: Mail.Options = composed
      ? { raw: composed.raw, envelope: composed.envelope, messageId }
      : { ...summary, html: mail.html, text: mail.text, messageId };
    if (this.settings.smtpUrl) {
      const info = await this.smtpTransport().sendMail(message);
      this.logger.debug(`mail ${messageId} accepted by SMTP`);
      return { messageId, response: info.response, transport: 'smtp' };
    }
    return this.writeOutbox(message, summary, messageId);
  }

  async onModuleDestroy(): Promise<void> {
    // A caller may hand a message over and answer its request before the send completes.
    await Promise.allSettled([...this.inflight]);
    this.smtp?.close();
    this.outbox?.close();
    this.smtp = undefined;
    this.outbox = undefined;
  }

  private smtpTransport(): Transporter<SMTPPool.SentMessageInfo> {
    this.smtp ??= createTransport({
      pool: true,
      url: this.settings.smtpUrl,
      maxConnections: SMTP_POOL_CONNECTIONS,
      // A relay that stalls must not hold a sender forever.
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
      ...this.dkimOption(),
    });
    return this.smtp;
  }

  /**
   * DKIM over nodemailer's default header list plus the one-click and feedback headers:
   * RFC 8058 asks that List-Unsubscribe-Post be signed along with List-Unsubscribe.
   */
  private dkimOption() {
    const dkim = this.settings.dkim;
    return dkim ? { dkim: { ...dkim, headerFieldNames: DKIM_SIGNED_HEADERS } } : {};
  }

  private async writeOutbox(
    message: Mail.Options,
    summary: { from: string; to: string; subject: string; headers?: Record<string, string> },
    messageId: string,
  ): Promise<SentMail> {
    this.outbox ??= createTransport({
      streamTransport: true,
      buffer: true,
      newline: 'windows',
      ...this.dkimOption(),
    });
    const info = await this.outbox.sendMail(message);
    const dir = this.outboxDir;
    await mkdir(dir, { recursive: true });
    const at = this.clock.now();
    // File names sort by time; ':' is avoided for file systems that refuse it.
    const base = `${at.toISOString().replace(/:/g, '-')}-${randomUUID()}`;
    const raw = Buffer.isBuffer(info.message) ? info.message : Buffer.from(String(info.message));
    await writeFile(join(dir, `${base}.eml`), raw);
    await writeFile(
      join(dir, `${base}.json`),
      JSON.stringify(
        {
          messageId,
          at: at.toISOString(),
          from: summary.from,
          to: summary.to,
          subject: summary.subject,
          headers: summary.headers ?? {},
          envelope: info.envelope,
          dkim: Boolean(this.settings.dkim),
        },
        null,
        2,
      ) + '\n',
    );
    this.logger.debug(`mail ${messageId} written to the outbox`);
    return { messageId, response: `outbox ${base}.eml`, transport: 'outbox' };
  }
}
