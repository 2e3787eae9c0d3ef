import { SMTP_POOL_CONNECTIONS, type MailService } from '../../mail/mail.service';
import {
  SendFailure,
  type ChannelSender,
  type OutgoingMessage,
  type ProviderAcceptance,
} from './channel';

/** What nodemailer attaches to an SMTP error. */
interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

/** Commands before the content is handed over: a broken connection there means "not sent". */
const BEFORE_CONTENT = new Set([
  'CONN',
  'API',
  'EHLO',
  'HELO',
  'STARTTLS',
  'AUTH',
  'MAIL FROM',
  'RCPT TO',
  'RSET',
]);

/** SMTP answers and nodemailer errors as FailureKinds (pure; unit-tested). */
export function classifySmtpError(err: unknown): SendFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpError;
  // Cut long, not short: the sender masks the address in it before cutting to 300 characters.
  const message = (e.response ?? e.message ?? 'SMTP error').slice(0, 2000);
  const code = e.responseCode;
  if (typeof code === 'number' && code >= 400 && code < 500) {
    return new SendFailure('transient', `smtp_${code}`, message);
  }
  if (typeof code === 'number' && code >= 500) {
    // A rejected recipient (RCPT TO, or a 5.1.x enhanced code) is an address that will not work.
    const addressProblem = e.command === 'RCPT TO' || /\b5\.1\.\d+\b/.test(message);
    return new SendFailure(
      'permanent',
      `smtp_${code}`,
      message,
      addressProblem ? 'suppress_email' : undefined,
    );
  }
  if (e.command && BEFORE_CONTENT.has(e.command)) {
    return new SendFailure('transient', e.code ?? 'smtp_error', message);
  }
  return new SendFailure('ambiguous', e.code ?? 'smtp_error', message);
}

/** E-mail through MailService (pooled SMTP or the outbox folder, engineer A's module). */
export class EmailChannel implements ChannelSender {
  readonly channel = 'email' as const;
  /** The SMTP pool's connections (the outbox writes as fast; one figure keeps groups alike). */
  readonly concurrency = SMTP_POOL_CONNECTIONS;

  constructor(private readonly mail: MailService) {}

  get transport(): string {
    return this.mail.transport;
  }

  async send(message: OutgoingMessage): Promise<ProviderAcceptance> {
    const r = message.rendered;
    if (r.channel !== 'email')
      throw new SendFailure('permanent', 'render_mismatch', 'not an e-mail');
    try {
      const sent = await this.mail.send({
        to: message.to,
        subject: r.subject,
        html: r.html,
        text: r.text,
        headers: message.headers,
        messageId: message.messageId,
        replyTo: message.replyTo,
      });
      return {
        providerId: sent.messageId,
        providerStatus: sent.transport === 'smtp' ? 'accepted' : 'outbox',
      };
    } catch (err) {
      throw classifySmtpError(err);
    }
  }
}
