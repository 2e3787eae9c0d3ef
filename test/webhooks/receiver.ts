import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  type: string;
  data: Record<string, unknown>;
  body: string;
  headers: IncomingHttpHeaders;
}

/**
 * An outbound webhook receiver as a company would write one: it verifies every request with the
 * standardwebhooks package and keeps what verified; `answers` scripts its status codes.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly refused: string[] = [];
  /** Status codes to answer in turn; 200 once they run out. */
  answers: number[] = [];
  secret = '';
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = this.answers.shift() ?? 200;
        try {
          const headers = Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, String(v)]),
          );
          const msg = new Webhook(this.secret).verify(body, headers) as {
            type: string;
            data: Record<string, unknown>;
          };
          if (status < 300) {
            this.received.push({
              id: String(req.headers['webhook-id']),
              type: msg.type,
              data: msg.data,
              body,
              headers: req.headers,
            });
          }
          res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'busy');
        } catch (err) {
          this.refused.push(String(err));
          res.writeHead(400).end('bad signature');
        }
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/tactful`;
  }

  async waitFor(pred: (r: Received) => boolean, ms = 8000): Promise<Received> {
    const until = Date.now() + ms;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      if (Date.now() > until) throw new Error('webhook not received in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
