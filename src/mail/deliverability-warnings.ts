import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';

const LOCAL_HOST = /^(localhost|.*\.localhost|127(?:\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)$/i;

/**
 * What weakens one-click unsubscribe at mailbox providers, one line each: they honour
 * List-Unsubscribe-Post only over https and only in a DKIM-signed message.
 */
export function deliverabilityWarnings(
  s: Pick<Settings, 'publicUrl' | 'smtpUrl' | 'dkim'>,
): string[] {
  const warnings: string[] = [];
  const url = URL.canParse(s.publicUrl) ? new URL(s.publicUrl) : null;
  if (url?.protocol === 'http:' && !LOCAL_HOST.test(url.hostname))
    warnings.push(
      `PUBLIC_URL is http on ${url.hostname}: mailbox providers ignore one-click unsubscribe links that are not https`,
    );
  if (s.smtpUrl && !s.dkim)
    warnings.push(
      'SMTP_URL is set without DKIM (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY): mailbox providers ignore one-click unsubscribe in unsigned mail',
    );
  return warnings;
}

/** Logs the warnings once at start, through the application's logger. */
@Injectable()
export class DeliverabilityWarnings implements OnApplicationBootstrap {
  private readonly logger = new Logger('startup');

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  onApplicationBootstrap(): void {
    for (const line of deliverabilityWarnings(this.settings)) this.logger.warn(line);
  }
}
