import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Settings } from '../../config/settings';
import { customerLabel } from '../../follow-ups/follow-up-notice';
import { reasonWords } from '../../follow-ups/follow-up-reasons';
import type { MailService } from '../../mail/mail.service';
import { langOf, renderSystemMail } from '../../mail/system-mail';
import type { ChannelSender, OutgoingMessage, ProviderAcceptance } from './channel';

/**
 * What the account manager reads before the call: the customer, the campaign, the last purchases
 * and any open follow-up. Calls are placed one by one by people, so one statement per call.
 */
const CALL_BRIEF_FACTS = `
  SELECT c.id, c.name, c.company, c.locale, c.account_manager_email, k.name AS campaign_name,
         (SELECT coalesce(json_agg(p ORDER BY p.occurred_at DESC), '[]') FROM (
            SELECT occurred_at, data->'amount' AS amount, data->>'currency' AS currency
              FROM customer_events WHERE customer_id = c.id AND type = 'purchase'
             ORDER BY occurred_at DESC LIMIT 5) p) AS purchases,
         (SELECT reasons FROM follow_ups f WHERE f.customer_id = c.id AND f.resolved_at IS NULL) AS follow_up
    FROM deliveries d JOIN customers c ON c.id = d.customer_id
    JOIN campaigns k ON k.id = d.campaign_id
   WHERE d.id = $1`;

interface BriefFacts {
  id: string;
  name: string | null;
  company: string | null;
  locale: string;
  account_manager_email: string | null;
  campaign_name: string;
  purchases: { occurred_at: string; amount: number | null; currency: string | null }[];
  follow_up: string[] | null;
}

/**
 * The voice channel with the call brief ahead: the account manager gets it by e-mail (the
 * template's `call` text, recent purchases, open follow-ups) before the call is placed. A brief
 * that cannot be mailed is logged; the call still goes, since the brief is also spoken.
 */
export class CallBriefChannel implements ChannelSender {
  readonly channel = 'voice' as const;
  private readonly logger = new Logger(CallBriefChannel.name);

  constructor(
    private readonly inner: ChannelSender,
    private readonly mail: MailService,
    private readonly dataSource: DataSource,
    private readonly settings: Pick<Settings, 'publicUrl'>,
  ) {}

  get transport(): string {
    return this.inner.transport;
  }

  get concurrency(): number {
    return this.inner.concurrency;
  }

  async send(message: OutgoingMessage): Promise<ProviderAcceptance> {
    if (message.rendered.channel === 'voice') await this.mailBrief(message, message.rendered.brief);
    return this.inner.send(message);
  }

  private async mailBrief(message: OutgoingMessage, brief: string): Promise<void> {
    try {
      const [f]: BriefFacts[] = await this.dataSource.query(CALL_BRIEF_FACTS, [message.deliveryId]);
      if (!f?.account_manager_email) return;
      const lang = langOf(f.locale);
      const day = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
        dateStyle: 'medium',
      });
      await this.mail.send({
        to: f.account_manager_email,
        ...renderSystemMail('call-brief', lang, {
          name: customerLabel(f.name, lang),
          company: f.company,
          campaign: f.campaign_name,
          brief,
          purchases: f.purchases.map((p) =>
            [
              day.format(new Date(p.occurred_at)),
              p.amount === null ? null : `${p.amount} ${p.currency ?? ''}`.trim(),
            ]
              .filter(Boolean)
              .join(': '),
          ),
          followUps: f.follow_up ? reasonWords(lang, f.follow_up) : null,
          link: `${this.settings.publicUrl}/console/customers/${f.id}`,
        }),
      });
    } catch (err) {
      this.logger.error(
        { deliveryId: message.deliveryId, code: (err as { code?: unknown }).code },
        'call brief not mailed',
      );
    }
  }
}
