import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { SETTINGS } from '../../common/tokens';
import type { Settings } from '../../config/settings';
import { MailService } from '../../mail/mail.service';
import { DataSource } from 'typeorm';
import { CallBriefChannel } from './call-brief.channel';
import type { ChannelSender } from './channel';
import { EmailChannel } from './email.channel';
import { OutboxChannel } from './outbox.channel';
import { createTwilioClient } from './twilio-client';
import { TwilioSmsChannel, TwilioVoiceChannel } from './twilio.channels';

export const CHANNEL_SENDERS = Symbol('TACTFUL_CHANNEL_SENDERS');

/** One sender per channel, chosen once from the settings: a provider, or the outbox folder. */
export function channelSenders(
  settings: Settings,
  mail: MailService,
  clock: Clock,
  dataSource: DataSource,
): ChannelSender[] {
  const twilio = createTwilioClient(settings);
  const outbox = join(settings.dataDir, 'outbox');
  return [
    new EmailChannel(mail),
    twilio
      ? new TwilioSmsChannel(twilio, settings)
      : new OutboxChannel('sms', outbox, clock, settings.twilio.from),
    new CallBriefChannel(
      twilio
        ? new TwilioVoiceChannel(twilio, settings)
        : new OutboxChannel('voice', outbox, clock, settings.twilio.from),
      mail,
      dataSource,
      settings,
    ),
  ];
}

export const channelSendersProvider: Provider = {
  provide: CHANNEL_SENDERS,
  useFactory: channelSenders,
  inject: [SETTINGS, MailService, Clock, DataSource],
};
