import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { safeError } from '../common/log-safety';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { MailService } from '../mail/mail.service';
import { langOf, renderSystemMail } from '../mail/system-mail';
import { addressHash, SuppressionService } from '../suppression/suppression.service';
import { PreferencesService } from './preferences.service';

const HOUR_MS = 3_600_000;
/** Fresh links per address a day, whoever asks: the public rate limit counts per client only. */
export const FRESH_LINKS_PER_ADDRESS_PER_DAY = 3;

/** The oldest living customer with this address (addresses are stored lower-cased). */
const CUSTOMER_BY_EMAIL = `SELECT id, name, locale FROM customers
  WHERE lower(email) = $1 AND erased_at IS NULL ORDER BY created_at, id LIMIT 1`;

/** A plausible address: the form's own check, before any lookup. */
export const isEmailAddress = (v: string): boolean =>
  v.length <= 320 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);

/**
 * "Send me a fresh link" from the link-not-valid page: a preference link to the address on file.
 * The answer is the same whether the address is known or not (no account enumeration), and the
 * lookup and the mail happen after it, so its timing tells nothing either.
 */
@Injectable()
export class FreshLinkService {
  private readonly logger = new Logger(FreshLinkService.name);
  /** Requests per address hash in the last day (per instance; the public rate limit is the fence). */
  private readonly sent = new Map<string, number[]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly preferences: PreferencesService,
    private readonly suppressions: SuppressionService,
    private readonly mail: MailService,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** Accepts the request; what follows happens after the answer. */
  request(email: string): void {
    this.send(email.trim().toLowerCase()).catch((err: unknown) =>
      this.logger.warn({ err: safeError(err) }, 'fresh preference link failed'),
    );
  }

  /** Resolves once the link was sent (or not); exposed for tests through `request`. */
  async send(email: string): Promise<'sent' | 'unknown' | 'suppressed' | 'rate_limited'> {
    const hash = addressHash('email', email);
    const now = this.clock.now().getTime();
    const recent = (this.sent.get(hash) ?? []).filter((at) => now - at < 24 * HOUR_MS);
    if (recent.length >= FRESH_LINKS_PER_ADDRESS_PER_DAY) return 'rate_limited';
    // Counted before the lookup (concurrent requests must not all pass), known address or not.
    this.sent.delete(hash);
    this.sent.set(hash, [...recent, now]);
    // Bounded: the oldest addresses go first (a Map iterates in insertion order).
    for (const key of this.sent.keys()) {
      if (this.sent.size <= 10_000) break;
      this.sent.delete(key);
    }
    const rows: { id: string; name: string | null; locale: string }[] = await this.dataSource.query(
      CUSTOMER_BY_EMAIL,
      [email],
    );
    const customer = rows[0];
    if (!customer) return 'unknown';
    if ((await this.suppressions.check({ email })).length > 0) return 'suppressed';
    const content = renderSystemMail('fresh-link', langOf(customer.locale), {
      name: customer.name,
      company: this.settings.company,
      preferencesUrl: this.preferences.linkFor(customer.id, 'email'),
    });
    await this.mail.send({ to: email, ...content });
    this.logger.log({ customerId: customer.id }, 'fresh preference link sent');
    return 'sent';
  }
}
