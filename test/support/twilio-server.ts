import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One create request as the server received it (form fields, Twilio's PascalCase names). */
export interface TwilioRequest {
  kind: 'message' | 'call';
  accountSid: string;
  params: Record<string, string>;
  /** The HTTP status answered; the sid only when the resource was created (201). */
  status: number;
  sid: string | null;
  /** Basic auth user, which the SDK sets to the account SID. */
  authUser: string | null;
}

/** An error to answer with instead of creating the resource, as Twilio's REST API does. */
export interface TwilioFault {
  status: number;
  /** Twilio error code, e.g. 21610 (unsubscribed recipient), 21211 (invalid To). */
  code?: number;
  message?: string;
}

export interface TwilioTestServer {
  /** Base URL for TWILIO_API_URL, e.g. http://127.0.0.1:4567 */
  url: string;
  accountSid: string;
  authToken: string;
  /** Every create request, faults included (unless started with record: false). */
  requests: TwilioRequest[];
  /** Counts of created messages and calls (kept even with record: false). */
  created: { message: number; call: number };
  /** Decide per request: a fault, or null to create the resource. null = no faults. */
  setFault(fn: ((req: TwilioRequest) => TwilioFault | null) | null): void;
  /** Messages (201 only) to one number. */
  messagesTo(to: string): TwilioRequest[];
  close(): Promise<void>;
}

const ERROR_TEXT: Record<number, string> = {
  20429: 'Too Many Requests',
  21211: "The 'To' number is not a valid phone number.",
  21610: 'Attempt to send to unsubscribed recipient',
  21614: "'To' number is not a valid mobile number",
};

const hex = (n: number) => randomBytes(n).toString('hex');

function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const out: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
        // Repeated fields (StatusCallbackEvent) are joined like Twilio logs them.
        out[k] = out[k] === undefined ? v : `${out[k]} ${v}`;
      }
      resolve(out);
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...(status === 429 ? { 'Retry-After': '1' } : {}),
  });
  res.end(text);
}

/**
 * A local HTTP server speaking Twilio's REST shapes for Messages and Calls create
 * (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` and `…/Calls.json`), answering with
 * JSON like Twilio's (sid SM…/CA…, status queued) or with a programmed fault (429, 500, 21610 …).
 */
export async function startTwilioServer(
  opts: { record?: boolean; accountSid?: string; authToken?: string } = {},
): Promise<TwilioTestServer> {
  const accountSid = opts.accountSid ?? `AC${hex(16)}`;
  const authToken = opts.authToken ?? hex(16);
  const record = opts.record !== false;
  const requests: TwilioRequest[] = [];
  const created = { message: 0, call: 0 };
  let fault: ((req: TwilioRequest) => TwilioFault | null) | null = null;

  const server = createServer((req, res) => {
    const m = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/(Messages|Calls)\.json$/.exec(
      (req.url ?? '').split('?')[0],
    );
    if (req.method !== 'POST' || !m) {
      send(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      return;
    }
    const auth = req.headers.authorization ?? '';
    const authUser = auth.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0]
      : null;
    readForm(req)
      .then((params) => {
        const entry: TwilioRequest = {
          kind: m[2] === 'Messages' ? 'message' : 'call',
          accountSid: m[1],
          params,
          status: 201,
          sid: null,
          authUser,
        };
        if (record) requests.push(entry);
        if (authUser !== accountSid || m[1] !== accountSid) {
          entry.status = 401;
          send(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
          return;
        }
        const f = fault?.(entry) ?? null;
        if (f) {
          entry.status = f.status;
          const code = f.code ?? (f.status === 429 ? 20429 : f.status >= 500 ? 20500 : 21000);
          send(res, f.status, {
            code,
            message: f.message ?? ERROR_TEXT[code] ?? 'Internal Server Error',
            more_info: `https://www.twilio.com/docs/errors/${code}`,
            status: f.status,
          });
          return;
        }
        const now = new Date().toUTCString();
        const base = {
          account_sid: accountSid,
          api_version: '2010-04-01',
          date_created: now,
          date_updated: now,
          to: params.To ?? null,
          from: params.From ?? null,
          status: 'queued',
          price: null,
          price_unit: 'USD',
        };
        if (entry.kind === 'message') {
          const sid = `SM${hex(16)}`;
          entry.sid = sid;
          created.message++;
          send(res, 201, {
            ...base,
            sid,
            body: params.Body ?? '',
            messaging_service_sid: params.MessagingServiceSid ?? null,
            direction: 'outbound-api',
            num_segments: '1',
            num_media: '0',
            error_code: null,
            error_message: null,
            date_sent: null,
            uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
            subresource_uris: {
              media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json`,
            },
          });
        } else {
          const sid = `CA${hex(16)}`;
          entry.sid = sid;
          created.call++;
          send(res, 201, {
            ...base,
            sid,
            direction: 'outbound-api',
            answered_by: null,
            caller_name: null,
            duration: null,
            start_time: null,
            end_time: null,
            parent_call_sid: null,
            uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
          });
        }
      })
      .catch(() => send(res, 400, { code: 20001, message: 'Bad request', status: 400 }));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    created,
    setFault(fn) {
      fault = fn;
    },
    messagesTo: (to) =>
      requests.filter((r) => r.kind === 'message' && r.status === 201 && r.params.To === to),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
