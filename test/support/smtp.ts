import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export type SmtpResponder = (rcptTo: string) => { code: number; message: string } | null;

export interface TestSmtpServer {
  /** smtp://127.0.0.1:port */
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** Resolves with the first `count` messages once that many arrived; rejects after the timeout. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Reject some recipients at RCPT TO (e.g. 451 for a retry, 550 for a hard bounce); null = accept all. */
  setResponder(fn: SmtpResponder | null): void;
  close(): Promise<void>;
}

/** An error smtp-server turns into an SMTP reply with this code. */
const smtpError = (code: number, message: string): Error =>
  Object.assign(new Error(message), { responseCode: code });

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** A real SMTP server on 127.0.0.1 (random port, no TLS, no auth) that keeps what it receives. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  let responder: SmtpResponder | null = null;
  let waiters: { count: number; resolve: () => void }[] = [];
  const notify = () => {
    const ready = waiters.filter((w) => messages.length >= w.count);
    waiters = waiters.filter((w) => messages.length < w.count);
    ready.forEach((w) => w.resolve());
  };

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const answer = responder?.(address.address) ?? null;
      callback(answer ? smtpError(answer.code, answer.message) : null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      readAll(stream)
        .then(async (raw) => {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const to = session.envelope.rcptTo.map((r) => r.address);
          messages.push({ from, to, raw, parsed: await simpleParser(raw) });
          notify();
          callback(null);
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Client disconnects mid-session are normal in tests; keep them off the console.
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    setResponder(fn) {
      responder = fn;
    },
    waitFor(count, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve(messages.slice(0, count));
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(messages.slice(0, count));
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(
            new Error(`expected ${count} e-mails within ${timeoutMs} ms, got ${messages.length}`),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
