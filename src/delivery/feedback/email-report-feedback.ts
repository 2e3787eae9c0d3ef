import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../../audit-log/audit-writer';
import { Clock } from '../../common/clock';
import { DomainError, invalid } from '../../common/domain-error';
import { maskDiagnostic, maskPersonal } from '../../common/mask-personal';
import { FLOW_SOURCES } from '../../consent/consent-sources';
import { ConsentService } from '../../consent/consent.service';
import { addressHash, SuppressionService } from '../../suppression/suppression.service';
import {
  countSoftBounce,
  finishAs,
  lockEmailDelivery,
  lockEmailDeliveryByProviderIds,
  markDelivered,
  recipientOf,
  recordDeliveryEvent,
  transitionAudit,
  type FeedbackDelivery,
} from './feedback-sql';
import { OTHER_RECIPIENT_REASON, type FeedbackResult } from './feedback-result';
import {
  parseFeedbackReport,
  type DeliveredReport,
  type FeedbackReport,
  type FeedbackSource,
  type ProviderReport,
} from './report-parser';
import { ownEntries } from './report-recipient';
import { FollowUpOpener } from '../../follow-ups/follow-up-opener';
import type { OpenedRow } from '../../follow-ups/follow-ups.sql';

/** Soft bounces (4.x.x) of one address after which it is suppressed. */
export const SOFT_BOUNCE_LIMIT = 3;
/**
 * A soft bounce more than this long after the previous one starts the count again: the address
 * took mail in between, so the earlier ones were passing trouble (a full mailbox that was emptied).
 */
export const SOFT_BOUNCE_WINDOW_DAYS = 30;

/** An enhanced status code (5.1.1) as reported; anything else is masked and cut. */
const safeStatus = (status: string): string =>
  /^[245]\.\d{1,3}\.\d{1,3}$/.test(status) ? status : maskPersonal(status).slice(0, 20);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * E-mail bounces (RFC 3464) and complaints (RFC 5965), matched to their delivery: only entries
 * about the delivery's own address count, and only that address is suppressed.
 */
@Injectable()
export class EmailReportFeedback {
  private readonly logger = new Logger(EmailReportFeedback.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly suppression: SuppressionService,
    private readonly consent: ConsentService,
    private readonly clock: Clock,
    private readonly followUps: FollowUpOpener,
  ) {}

  /** A raw RFC 3464 bounce or RFC 5965 complaint. */
  async handle(raw: Buffer): Promise<FeedbackResult & { type: 'bounce' | 'complaint' }> {
    const report = await parseFeedbackReport(raw);
    if (!report) {
      throw invalid([
        'body must be an RFC 3464 delivery status notification or an RFC 5965 feedback report',
      ]);
    }
    const result = await this.apply(report, report.type === 'complaint' ? 'arf' : 'dsn');
    if (!result) {
      throw new DomainError('unprocessable', [
        'body: no delivery matches the original Message-ID of this report',
      ]);
    }
    return { ...result, type: report.type };
  }

  /**
   * One report, from a raw DSN/ARF message or an e-mail provider's event webhook, under the same
   * rules; null when no e-mail delivery matches its references.
   */
  async apply(report: ProviderReport, source: FeedbackSource): Promise<FeedbackResult | null> {
    let opened: OpenedRow[] = [];
    const handled = await this.dataSource.transaction(async (m) => {
      const ids = report.deliveryIds.filter((id) => UUID.test(id));
      const d =
        (await lockEmailDelivery(m, ids, report.messageIds)) ??
        (await lockEmailDeliveryByProviderIds(m, report.providerIds ?? []));
      if (!d) return null;
      if (report.type === 'delivered') return this.delivered(m, d, report, source);
      if (report.type !== 'complaint') return this.bounce(m, d, report, source);
      const result = await this.complaint(m, d, report, source);
      // A person looks at a complaint too: the customer waits for them, and selling waits.
      if (!result.ignored) {
        opened = await this.followUps.open(
          m,
          [{ customerId: d.customer_id, reason: 'complaint', deliveryId: d.id }],
          this.clock.now(),
        );
      }
      return result;
    });
    await this.followUps.tell(opened);
    return handled;
  }

  /** The provider handed the message to the recipient's server: sent | unknown → delivered. */
  private async delivered(
    m: EntityManager,
    d: FeedbackDelivery,
    report: DeliveredReport,
    source: FeedbackSource,
  ): Promise<FeedbackResult> {
    const { email } = await recipientOf(m, d.customer_id);
    if (report.recipient !== null && ownEntries([report], email).foreign)
      return this.ignoreOtherRecipient(m, d, source, 'delivered');
    const fresh = await this.recordEvent(m, d, source, 'delivered', {});
    // Forward only: a delivery notice after a bounce or a complaint changes nothing.
    if (!fresh || !['sent', 'unknown'].includes(d.status)) {
      return { deliveryId: d.id, status: d.status, ignored: true };
    }
    const now = this.clock.now();
    await markDelivered(m, d.id, now);
    await this.audit.record(
      transitionAudit(d, 'delivered', {
        reason: null,
        actor: source,
        at: now,
        data: { previous: d.status },
      }),
      m,
    );
    return { deliveryId: d.id, status: 'delivered', ignored: false };
  }

  private async complaint(
    m: EntityManager,
    d: FeedbackDelivery,
    report: Extract<FeedbackReport, { type: 'complaint' }>,
    source: FeedbackSource,
  ): Promise<FeedbackResult> {
    const { email } = await recipientOf(m, d.customer_id);
    if (ownEntries([report], email).foreign)
      return this.ignoreOtherRecipient(m, d, source, 'complaint');
    // Reported by a third party: stored only masked (the audit row is append-only).
    const feedbackType = maskPersonal(report.feedbackType).slice(0, 40);
    const fresh = await this.recordEvent(m, d, source, 'complained', { feedbackType });
    if (!fresh) return { deliveryId: d.id, status: d.status, ignored: true };
    const now = this.clock.now();
    await this.transition(m, d, 'complained', feedbackType, source, { feedbackType });
    // The delivery's own address, never the one the report names.
    if (email) {
      await this.suppress(m, d, email, 'complaint', 'spam complaint (ARF)');
    }
    await this.consent.withdraw(
      {
        customerId: d.customer_id,
        channel: 'email',
        topic: d.topic,
        source: FLOW_SOURCES.complaint,
        actor: 'system',
        data: { deliveryId: d.id, feedbackType, at: now.toISOString() },
      },
      m,
    );
    return { deliveryId: d.id, status: 'complained', ignored: false };
  }

  private async bounce(
    m: EntityManager,
    d: FeedbackDelivery,
    report: Extract<FeedbackReport, { type: 'bounce' }>,
    source: FeedbackSource,
  ): Promise<FeedbackResult> {
    // Only entries about the delivery's own address count; the suppression is of that address.
    const person = await recipientOf(m, d.customer_id);
    const email = person.email;
    const own = ownEntries(report.recipients, email);
    if (own.foreign) return this.ignoreOtherRecipient(m, d, source, 'bounce');
    const hard = own.entries.find((r) => r.status.startsWith('5.'));
    const soft = own.entries.find((r) => r.status.startsWith('4.'));
    const r = hard ?? soft;
    if (!r) return { deliveryId: d.id, status: d.status, ignored: true };
    // The diagnostic quotes the address and often the name: masked before it is stored (the
    // audit row is append-only and could never be scrubbed later).
    const diagnostic = maskDiagnostic(r.diagnostic, {
      ...person.values,
      emails: [...(person.values.emails ?? []), r.recipient],
    });
    const status = safeStatus(r.status);
    const fresh = await this.recordEvent(m, d, source, hard ? 'bounced' : 'soft_bounce', {
      status,
      action: r.action ? maskPersonal(r.action).slice(0, 40) : null,
      diagnostic,
    });
    if (!fresh) return { deliveryId: d.id, status: d.status, ignored: true };
    if (hard) {
      await this.transition(m, d, 'bounced', status, source, { status, diagnostic });
      if (email) {
        await this.suppress(m, d, email, 'hard_bounce', `bounce ${status}`);
      }
      return { deliveryId: d.id, status: 'bounced', ignored: false };
    }
    // 4.x.x: the address may recover; the third within the window of the one before suppresses it.
    if (!email) return { deliveryId: d.id, status: d.status, ignored: false };
    const count = await countSoftBounce(
      m,
      addressHash('email', email),
      d.id,
      this.clock.now(),
      SOFT_BOUNCE_WINDOW_DAYS,
    );
    await this.audit.record(
      {
        type: 'delivery.soft_bounce',
        customerId: d.customer_id,
        campaignId: d.campaign_id,
        deliveryId: d.id,
        channel: 'email',
        reason: status,
        actor: source,
        at: this.clock.now(),
        data: { status, count },
      },
      m,
    );
    if (count >= SOFT_BOUNCE_LIMIT) {
      await this.suppress(m, d, email, 'hard_bounce', `${count} soft bounces (last ${status})`);
    }
    return { deliveryId: d.id, status: d.status, ignored: false };
  }

  /**
   * A report matched to this delivery that names only other addresses: possibly forged by a
   * recipient of the message to silence a stranger. Nothing changes; it is recorded once per
   * delivery and kind (a delivery event and an audit row), without the other address.
   */
  private async ignoreOtherRecipient(
    m: EntityManager,
    d: FeedbackDelivery,
    source: FeedbackSource,
    report: 'bounce' | 'complaint' | 'delivered',
  ): Promise<FeedbackResult> {
    const fresh = await this.recordEvent(m, d, source, 'ignored_other_recipient', { report });
    if (fresh) {
      await this.audit.record(
        {
          type: 'delivery.feedback_ignored',
          customerId: d.customer_id,
          campaignId: d.campaign_id,
          deliveryId: d.id,
          channel: d.channel,
          reason: 'recipient_mismatch',
          actor: source,
          at: this.clock.now(),
          data: { report },
        },
        m,
      );
    }
    this.logger.warn(`${report} report for delivery ${d.id} names another recipient: ignored`);
    return { deliveryId: d.id, status: d.status, ignored: true, reason: OTHER_RECIPIENT_REASON };
  }

  /** sent | delivered | unknown → bounced | complained, audited. */
  private async transition(
    m: EntityManager,
    d: FeedbackDelivery,
    next: 'bounced' | 'complained',
    reason: string,
    actor: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    const now = this.clock.now();
    await finishAs(m, d.id, next, now);
    await this.audit.record(
      transitionAudit(d, next, { reason, actor, at: now, data: { ...data, previous: d.status } }),
      m,
    );
  }

  /** The delivery's own address, in the event's transaction. */
  private suppress(
    m: EntityManager,
    d: FeedbackDelivery,
    email: string,
    reason: 'complaint' | 'hard_bounce',
    note: string,
  ): Promise<unknown> {
    return this.suppression.add(
      { type: 'email', value: email, reason, customerId: d.customer_id, note },
      `delivery:${d.id}`,
      m,
    );
  }

  private recordEvent(
    m: EntityManager,
    d: FeedbackDelivery,
    source: FeedbackSource,
    status: string,
    data: Record<string, unknown>,
  ): Promise<boolean> {
    return recordDeliveryEvent(m, {
      deliveryId: d.id,
      source,
      status,
      providerId: null,
      data,
      at: this.clock.now(),
    });
  }
}
