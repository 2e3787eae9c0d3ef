import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FLOW_SOURCES } from '../consent/consent-sources';
import { ConsentService } from '../consent/consent.service';
import { SuppressionService } from '../suppression/suppression.service';
import type { FailureAction } from './channels/channel';
import type { Recipient } from './sql/lock-recipients';

/** What a permanent failure means for the address or the consent (Twilio 21610, 21211, SMTP 5.1.x). */
@Injectable()
export class FailureActions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly consent: ConsentService,
    private readonly suppression: SuppressionService,
  ) {}

  async apply(deliveryId: string, customer: Recipient, action: FailureAction): Promise<void> {
    if (action === 'withdraw_sms') {
      // The recipient replied STOP to the provider: the ledger must say so too.
      await this.consent.withdraw({
        customerId: customer.id,
        channel: 'sms',
        topic: '*',
        source: FLOW_SOURCES.providerOptout,
        actor: 'system',
        data: { deliveryId, provider: 'twilio', code: 21610 },
      });
      return;
    }
    const type = action === 'suppress_email' ? 'email' : 'phone';
    const value = type === 'email' ? customer.email : customer.phone;
    if (!value) return;
    await this.dataSource.transaction((m) =>
      this.suppression.add(
        {
          type,
          value,
          reason: 'hard_bounce',
          customerId: customer.id,
          note:
            type === 'email' ? 'rejected by the mail server' : 'invalid phone number (provider)',
        },
        `delivery:${deliveryId}`,
        m,
      ),
    );
  }
}
