import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { recordEngagement } from '../events/record-engagement';
import { ClickTokenService } from '../tokens/click-token.service';
import { agentClass } from './agent-class';
import {
  CLICK_TARGET,
  INSERT_CLICK,
  LOCK_DELIVERY_CLICKS,
  MARK_WINDOW_AS_SCANNER,
  OTHER_LINKS_IN_WINDOW,
} from './click-sql';

/** Mail scanners follow every link of a message within seconds of its arrival. */
export const SCANNER_WINDOW_MS = 15_000;

export interface ClickRequest {
  token: string;
  method: 'GET' | 'HEAD';
  userAgent: string | undefined;
}

interface Target {
  id: string;
  campaign_id: string;
  customer_id: string;
  sent_at: Date | null;
  url: string;
  erased: boolean;
}

/** What the timeline names a link by: its host and path, never its query. */
export function linkLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}`.slice(0, 120);
  } catch {
    return '';
  }
}

/**
 * A hit on a tracked link: recorded (delivery, link, time, scanner or not, the agent's class) and
 * answered with the original URL. A counted click is the customer's engagement: the `engagement`
 * event (which resets the fatigue back-off) and a `delivery.clicked` row for the timeline. HEAD
 * requests, self-declared scanners and bursts over several links right after arrival are kept
 * but not counted.
 */
@Injectable()
export class ClickService {
  private readonly logger = new Logger(ClickService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: ClickTokenService,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
  ) {}

  /** The URL to redirect to, or null for a token that is forged, altered or unknown. */
  async follow(req: ClickRequest): Promise<string | null> {
    const target = this.tokens.verify(req.token);
    if (!target) return null;
    const now = this.clock.now();
    const agent = agentClass(req.userAgent);
    return this.dataSource.transaction(async (m) => {
      const [t]: Target[] = await m.query(CLICK_TARGET, [target.deliveryId, target.linkId]);
      if (!t) return null;
      await m.query(LOCK_DELIVERY_CLICKS, [t.id]);
      let scanner = req.method === 'HEAD' || agent === 'scanner';
      const windowEnd = t.sent_at ? new Date(t.sent_at.getTime() + SCANNER_WINDOW_MS) : null;
      if (!scanner && windowEnd !== null && now <= windowEnd) {
        const [{ n }]: { n: number }[] = await m.query(OTHER_LINKS_IN_WINDOW, [
          t.id,
          target.linkId,
          windowEnd,
        ]);
        if (n > 0) {
          scanner = true;
          await m.query(MARK_WINDOW_AS_SCANNER, [t.id, windowEnd]);
        }
      }
      const counted = !scanner;
      const [{ id: clickId }]: { id: string }[] = await m.query(INSERT_CLICK, [
        t.id,
        t.campaign_id,
        t.customer_id,
        target.linkId,
        now,
        req.method,
        agent,
        scanner,
        counted,
      ]);
      if (counted && !t.erased) {
        // One engagement per delivery: the event id makes the message's later clicks harmless.
        await recordEngagement(
          m,
          {
            customerId: t.customer_id,
            action: 'clicked',
            occurredAt: now,
            deliveryId: t.id,
            campaignId: t.campaign_id,
            eventId: `click:${t.id}`,
            data: { linkId: target.linkId },
          },
          now,
        );
        await this.audit.record(
          {
            type: 'delivery.clicked',
            customerId: t.customer_id,
            campaignId: t.campaign_id,
            deliveryId: t.id,
            actor: 'customer',
            at: now,
            data: { link: linkLabel(t.url), linkId: target.linkId, clickId },
          },
          m,
        );
      }
      this.logger.log({ deliveryId: t.id, linkId: target.linkId, counted }, 'link followed');
      return t.url;
    });
  }
}
