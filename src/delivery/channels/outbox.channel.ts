import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../common/clock';
import type { Channel } from '../../policy/engine';
import {
  SendFailure,
  type ChannelSender,
  type OutgoingMessage,
  type ProviderAcceptance,
} from './channel';
import { bridgeTwiml } from './twilio.channels';

/**
 * SMS and calls without Twilio settings: each message is written to `<dataDir>/outbox` as JSON,
 * so a deployment without a provider shows exactly what would have gone out.
 */
export class OutboxChannel implements ChannelSender {
  readonly transport = 'outbox';
  /** Local file writes; as many at once as a Twilio channel would have requests. */
  readonly concurrency = 10;

  constructor(
    readonly channel: Channel,
    private readonly dir: string,
    private readonly clock: Clock,
    private readonly callerId: string | undefined,
  ) {}

  async send(message: OutgoingMessage): Promise<ProviderAcceptance> {
    const r = message.rendered;
    if (r.channel !== this.channel) {
      throw new SendFailure('permanent', 'render_mismatch', `not a ${this.channel} message`);
    }
    const at = this.clock.now();
    const id = randomUUID();
    const base = `${at.toISOString().replace(/:/g, '-')}-${this.channel}-${id}`;
    const body =
      r.channel === 'sms'
        ? { to: message.to, body: r.body, segments: r.segments, encoding: r.encoding }
        : r.channel === 'voice'
          ? {
              to: message.accountManagerPhone ?? null,
              bridgeTo: message.to,
              brief: r.brief,
              twiml: bridgeTwiml(r.brief, message.locale, message.to, this.callerId ?? ''),
            }
          : { to: message.to, subject: r.subject };
    await mkdir(this.dir, { recursive: true });
    await writeFile(
      join(this.dir, `${base}.json`),
      JSON.stringify(
        { deliveryId: message.deliveryId, channel: this.channel, at: at.toISOString(), ...body },
        null,
        2,
      ) + '\n',
    );
    return { providerId: `outbox:${id}`, providerStatus: 'outbox' };
  }
}
