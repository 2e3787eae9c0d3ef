import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import twilio from 'twilio';
import type { Settings } from '../../config/settings';

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

const TWILIO_HOST = /^https:\/\/[a-z0-9.-]+\.twilio\.com/i;

/**
 * The SDK's own HTTP client with its base URL swapped: every https://<product>.twilio.com
 * request goes to TWILIO_API_URL instead (a Twilio-compatible gateway or a local test server),
 * path and query kept. Keep-alive agents for both schemes so a high message rate reuses sockets.
 */
export class ApiUrlRequestClient extends twilio.RequestClient {
  private readonly base: string;

  constructor(apiUrl: string, maxSockets = 50) {
    super({ keepAlive: true, maxSockets, timeout: 15_000 });
    this.base = apiUrl.replace(/\/+$/, '');
    this.axios.defaults.httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
    this.axios.defaults.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  }

  override request<TData>(opts: RequestOptions & { data?: TData }) {
    return super.request<TData>({ ...opts, uri: opts.uri.replace(TWILIO_HOST, this.base) });
  }
}

export type TwilioClient = ReturnType<typeof twilio>;

/** A client when Twilio is configured (account SID and auth token), else null (outbox). */
export function createTwilioClient(settings: Pick<Settings, 'twilio'>): TwilioClient | null {
  const { accountSid, authToken, apiUrl } = settings.twilio;
  if (!accountSid || !authToken) return null;
  return twilio(accountSid, authToken, {
    httpClient: apiUrl
      ? new ApiUrlRequestClient(apiUrl)
      : new twilio.RequestClient({ keepAlive: true }),
    autoRetry: false,
  });
}
