/** One e-mail to send; the sender renders it (templates) before calling MailService.send. */
export interface OutgoingMail {
  to: string;
  /** Defaults to settings.mailFrom. */
  from?: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  headers?: Record<string, string>;
  /** A Message-ID to use instead of a generated one (with or without angle brackets). */
  messageId?: string;
  /** Reply-To: where the reader's answer goes. */
  replyTo?: string;
}

export interface SentMail {
  messageId: string;
  /** The SMTP server's final answer, or `outbox <file>` when written to the outbox folder. */
  response: string;
  transport: 'smtp' | 'outbox';
}
