import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { MailService } from '../mail/mail.service';
import { noticeMail, noticeRecipient } from './follow-up-notice';
import type { FollowUpCause } from './follow-up-reasons';
import { OPEN_OR_JOIN_FOLLOW_UPS, type OpenedRow } from './follow-ups.sql';

/** One record per customer: the statement may touch a row once. */
function byCustomer(causes: readonly FollowUpCause[]) {
  const out = new Map<string, { reasons: string[]; event_ids: string[]; delivery_ids: string[] }>();
  for (const c of causes) {
    let r = out.get(c.customerId);
    if (!r) out.set(c.customerId, (r = { reasons: [], event_ids: [], delivery_ids: [] }));
    if (!r.reasons.includes(c.reason)) r.reasons.push(c.reason);
    if (c.eventId) r.event_ids.push(c.eventId);
    if (c.deliveryId) r.delivery_ids.push(c.deliveryId);
  }
  return out;
}

/**
 * Opens follow-ups: an unhappy customer waits for a person, and selling waits with them (the
 * planner reads open follow-ups and skips content and promotion with `needs_attention`).
 */
@Injectable()
export class FollowUpOpener {
  private readonly logger = new Logger(FollowUpOpener.name);

  constructor(
    private readonly audit: AuditWriter,
    private readonly mail: MailService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /**
   * In the caller's transaction, one statement whatever the number of causes: a follow-up per
   * customer, or the new reasons joined to the one already open, and a `follow_up.opened` audit
   * row (ids and codes only) for each one opened. Returns those, to `tell` after the commit.
   */
  async open(m: EntityManager, causes: readonly FollowUpCause[], now: Date): Promise<OpenedRow[]> {
    if (causes.length === 0) return [];
    const records = [...byCustomer(causes)].map(([customer_id, r]) => ({ customer_id, ...r }));
    const rows: OpenedRow[] = await m.query(OPEN_OR_JOIN_FOLLOW_UPS, [
      JSON.stringify(records),
      now,
    ]);
    const opened = rows.filter((r) => r.opened);
    const sources = new Map(records.map((r) => [r.customer_id, r]));
    await this.audit.record(
      opened.map((r) => ({
        type: 'follow_up.opened' as const,
        customerId: r.customer_id,
        deliveryId: sources.get(r.customer_id)?.delivery_ids[0] ?? null,
        reason: r.reasons[0],
        actor: 'system',
        at: now,
        data: {
          followUpId: r.id,
          reasons: r.reasons,
          eventIds: sources.get(r.customer_id)?.event_ids ?? [],
        },
      })),
      m,
    );
    return opened;
  }

  /**
   * After the commit: the account manager (business, with an e-mail) or the support address gets
   * an e-mail at once. Nothing goes to the customer. A failed send is logged, never thrown: the
   * follow-up stays open and listed either way.
   */
  async tell(opened: readonly OpenedRow[]): Promise<void> {
    await Promise.all(
      opened.map(async (row) => {
        const to = noticeRecipient(row, this.settings.replyTo);
        if (!to) {
          this.logger.warn(
            { followUpId: row.id },
            'follow-up opened with no one to tell: set REPLY_TO',
          );
          return;
        }
        try {
          await this.mail.send({ to, ...noticeMail(row, this.settings.publicUrl) });
        } catch (err) {
          this.logger.error(
            { followUpId: row.id, code: (err as { code?: unknown }).code },
            'follow-up notice not sent',
          );
        }
      }),
    );
  }
}
