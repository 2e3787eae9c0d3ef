import { Injectable } from '@nestjs/common';

const TIMEOUT_MS = 5000;
const MAX_CERTIFICATE_BYTES = 16 * 1024;

/**
 * What the SES route asks of SNS over the network: the signing certificate (PEM) at a URL the
 * caller has checked is an SNS host, and the visit that confirms a subscription. Tests bind
 * their own (their certificate, no network).
 */
export abstract class SnsClient {
  abstract certificate(url: string): Promise<string>;
  abstract confirm(subscribeUrl: string): Promise<void>;
}

/** Over HTTPS; certificates kept by URL for the life of the process (SNS rotates by new URL). */
@Injectable()
export class HttpsSnsClient extends SnsClient {
  private readonly certificates = new Map<string, Promise<string>>();

  certificate(url: string): Promise<string> {
    let pem = this.certificates.get(url);
    if (!pem) {
      pem = this.get(url).then((text) => {
        if (text.length > MAX_CERTIFICATE_BYTES || !text.includes('-----BEGIN CERTIFICATE-----')) {
          throw new Error('not a PEM certificate');
        }
        return text;
      });
      // A failed download is not kept: the next notification tries again.
      pem.catch(() => this.certificates.delete(url));
      this.certificates.set(url, pem);
    }
    return pem;
  }

  async confirm(subscribeUrl: string): Promise<void> {
    await this.get(subscribeUrl);
  }

  private async get(url: string): Promise<string> {
    const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`SNS answered ${res.status}`);
    return res.text();
  }
}
