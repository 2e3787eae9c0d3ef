import { Inject, Injectable } from '@nestjs/common';
import { contentHash } from '../audit-log/audit-content';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import type { Channel } from '../policy/engine';
import { deliveryContext } from '../templates/message-context';
import type { RenderedMessage } from '../templates/template-context';
import { ClickTracker } from '../clicks/click-tracker';
import { LinkTokenService } from '../tokens/link-token.service';
import type { ChannelSender, OutgoingMessage } from './channels/channel';
import { CHANNEL_SENDERS } from './channels/channel-registry';
import { linksOf, outgoingMessage, senderIdentity, type SenderIdentity } from './outgoing-message';
import { MessageRenderer } from './renderer';
import { personOf, renderFailure, type ConsentIdsAtSend, type Outcome } from './send-outcome';
import type { ClaimedDelivery } from './sql/claim-due-deliveries';
import type { Recipient } from './sql/lock-recipients';

/** A message checked and rendered under the batch's locks, ready to be marked and handed over. */
export interface PreparedMessage {
  row: ClaimedDelivery;
  customer: Recipient;
  sender: ChannelSender;
  message: OutgoingMessage;
  contentHash: string;
  /** Read under the batch's locks (promise 7: the consent in force at the hand-over). */
  consentAtSend: ConsentIdsAtSend;
}

/** Turns a checked delivery into its message: link tokens, the template rendered, the address. */
@Injectable()
export class MessagePreparer {
  private readonly senders: Map<Channel, ChannelSender>;
  private readonly identity: SenderIdentity;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(CHANNEL_SENDERS) senders: ChannelSender[],
    private readonly tokens: LinkTokenService,
    private readonly renderer: MessageRenderer,
    private readonly clicks: ClickTracker,
  ) {
    this.senders = new Map(senders.map((s) => [s.channel, s]));
    this.identity = senderIdentity(settings);
  }

  /** The message ready to hand over, or a failed outcome if it cannot be sent. */
  async prepare(
    row: ClaimedDelivery,
    customer: Recipient,
    now: Date,
    consentAtSend: ConsentIdsAtSend,
  ): Promise<PreparedMessage | Outcome> {
    const sender = this.senders.get(row.channel);
    if (!sender) return { kind: 'failed', code: 'no_channel', error: `no ${row.channel} channel` };
    const subject = {
      customerId: customer.id,
      channel: row.channel,
      topic: row.topic,
      deliveryId: row.id,
    };
    const tokens = {
      unsubscribe: this.tokens.issue({ purpose: 'unsubscribe', ...subject }),
      preferences: this.tokens.issue({ purpose: 'preferences', ...subject }),
    };
    const context = deliveryContext({
      customer,
      company: this.settings.company,
      campaign: {
        name: row.campaign_name,
        goal: row.goal,
        effectiveAt: row.effective_at,
        announcement: row.announcement,
      },
      category: row.category,
      topic: { key: row.topic, title: row.topic_title },
      links: linksOf(this.identity, tokens),
      now,
    });
    let rendered: RenderedMessage;
    try {
      rendered = await this.renderer.render(
        row.template_name,
        row.template_version,
        row.channel,
        context,
      );
    } catch (err) {
      return renderFailure(err, customer);
    }
    // Outside the render's catch: a database failure here is the batch's to retry, not a
    // message that cannot be rendered.
    rendered = await this.clicks.track(rendered, {
      deliveryId: row.id,
      campaignTracks: row.track_clicks,
      customerTracks: customer.track_clicks,
      person: personOf(customer),
    });
    return {
      row,
      customer,
      sender,
      message: outgoingMessage(this.identity, row, customer, rendered, tokens),
      // The same canonical hash the audit module keeps beside the (purgeable) content.
      contentHash: contentHash(rendered),
      consentAtSend,
    };
  }
}
