import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { isUuid } from '../common/strict-values';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { ALL_TOPICS, ConsentService, FLOW_SOURCES } from '../consent';
import { langOf, type PageLang } from '../mail/system-mail';
import { csrfTokenFor, csrfTokenValid } from '../preferences/csrf';
import { PreferencesService } from '../preferences/preferences.service';
import { localized } from '../preferences/topic-texts';
import { LinkTokenService } from '../tokens/link-token.service';
import type { ConfirmPage, RequestEvidence, RequestRow, TopicRow } from './subscription-types';

const SOURCE = FLOW_SOURCES.doubleOptIn;

/**
 * The second half of double opt-in: the page behind the e-mailed link. GET only shows it; its
 * POST creates or attaches the customer and records the grant and its confirmation.
 */
@Injectable()
export class ConfirmSubscriptionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly consents: ConsentService,
    private readonly tokens: LinkTokenService,
    private readonly preferences: PreferencesService,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** GET /confirm/:token — what the page shows; reads only (scanners and prefetchers GET). */
  async preview(token: string): Promise<ConfirmPage | null> {
    const m = this.dataSource.manager;
    const request = await this.find(token, m, false);
    if (!request) return null;
    const lang = langOf(request.locale);
    if (request.confirmed_at) return this.confirmedPage(m, request, lang);
    return {
      confirmed: false,
      lang,
      topics: await this.topicTitles(m, request.topics, lang),
      csrf: csrfTokenFor(this.settings.secret, token),
    };
  }

  /**
   * POST /confirm/:token from the page's form: creates or attaches the customer and records the
   * grant (with the form's evidence) and the confirmation (with this request's). A replay shows
   * the same page and writes nothing; 'forbidden' without the page's CSRF field.
   */
  async confirm(
    token: string,
    csrf: unknown,
    evidence: RequestEvidence,
  ): Promise<ConfirmPage | 'forbidden' | null> {
    // A bad link is the same 404 as on GET, whatever the form carries.
    if (!(await this.find(token, this.dataSource.manager, false))) return null;
    const secrets = [this.settings.secret, ...this.settings.previousSecrets];
    if (!csrfTokenValid(secrets, token, csrf)) return 'forbidden';
    return this.dataSource.transaction(async (m) => {
      const request = await this.find(token, m, true);
      if (!request) return null;
      const lang = langOf(request.locale);
      if (request.confirmed_at) return this.confirmedPage(m, request, lang);
      const suppressed: unknown[] = await m.query(
        `SELECT 1 FROM suppressions WHERE address_hash = $1 AND lifted_at IS NULL LIMIT 1`,
        [request.address_hash],
      );
      if (suppressed.length || !request.email) return null;
      const customerId = await this.customerFor(m, request);
      await this.recordConfirmation(m, request, customerId, evidence);
      // The address and the form's evidence now live in the customer and the ledger.
      await m.query(
        `UPDATE subscription_requests SET confirmed_at = $2, customer_id = $3, email = NULL,
           name = NULL, ip = NULL, user_agent = NULL
         WHERE id = $1`,
        [request.id, this.clock.now(), customerId],
      );
      return this.confirmedPage(m, { ...request, customer_id: customerId }, lang);
    });
  }

  /** Grant (the form's evidence) and confirm (this click's evidence) each topic still wanted. */
  private async recordConfirmation(
    m: EntityManager,
    request: RequestRow,
    customerId: string,
    evidence: RequestEvidence,
  ): Promise<void> {
    const entries = (await this.consents.stateFor([customerId], m)).get(customerId) ?? [];
    const entry = (topic: string) =>
      entries.find((e) => e.channel === 'email' && e.topic === topic);
    const live: { key: string }[] = await m.query(
      `SELECT key FROM topics WHERE key = ANY($1) AND archived_at IS NULL`,
      [request.topics],
    );
    const data = { subscriptionId: request.id, requestedAt: request.created_at.toISOString() };
    for (const topic of request.topics) {
      if (!live.some((x) => x.key === topic)) continue;
      // A withdrawal made after the request stands: the customer changed their mind since.
      const withdrawnSince = [entry(topic), entry(ALL_TOPICS)].some(
        (e) => e?.status === 'withdrawn' && new Date(e.since ?? 0) > request.created_at,
      );
      const current = entry(topic)?.status;
      if (withdrawnSince || current === 'confirmed') continue;
      // A request made for a grant already in the ledger has no wording of its own.
      if (current !== 'granted' && !request.wording) continue;
      if (current !== 'granted') {
        await this.consents.record(
          {
            customerId,
            channel: 'email',
            topic,
            action: 'grant',
            source: SOURCE,
            actor: 'customer',
            evidence: {
              ip: request.ip,
              userAgent: request.user_agent,
              wording: request.wording,
              wordingVersion: request.wording_version,
            },
            data,
          },
          m,
        );
      }
      await this.consents.record(
        {
          customerId,
          channel: 'email',
          topic,
          action: 'confirm',
          source: SOURCE,
          actor: 'customer',
          evidence,
          data,
        },
        m,
      );
    }
  }

  /** The request a genuine confirm token names, or null. */
  private async find(token: string, m: EntityManager, lock: boolean): Promise<RequestRow | null> {
    const link = this.tokens.verify(token, 'confirm');
    if (!link || !link.deliveryId || !isUuid(link.deliveryId) || !isUuid(link.customerId))
      return null;
    const [request]: RequestRow[] = await m.query(
      `SELECT id, address_hash, customer_id, topics, locale, created_at, confirmed_at, email, name,
              wording, wording_version, host(ip) AS ip, user_agent
       FROM subscription_requests WHERE id = $1 AND outcome = 'sent'
       ${lock ? 'FOR UPDATE' : ''}`,
      [link.deliveryId],
    );
    // The link names the request and, for a known address, the customer it was sent for.
    if (!request || ![request.id, request.customer_id].includes(link.customerId)) return null;
    if (request.customer_id) {
      const live: unknown[] = await m.query(
        `SELECT 1 FROM customers WHERE id = $1 AND erased_at IS NULL`,
        [request.customer_id],
      );
      if (!live.length) return null;
    }
    return request;
  }

  /** The customer of the request: the one it was sent for, else one with the address, else new. */
  private async customerFor(m: EntityManager, request: RequestRow): Promise<string> {
    if (request.customer_id) {
      // Still that customer's address: it may have changed since the request was made.
      const [row]: { id: string }[] = await m.query(
        `SELECT id FROM customers WHERE id = $1 AND erased_at IS NULL AND lower(email) = $2
         FOR NO KEY UPDATE`,
        [request.customer_id, request.email],
      );
      if (row) return row.id;
    }
    const [known]: { id: string }[] = await m.query(
      `SELECT id FROM customers WHERE lower(email) = $1 AND erased_at IS NULL
       ORDER BY created_at, id LIMIT 1 FOR NO KEY UPDATE`,
      [request.email],
    );
    if (known) return known.id;
    return this.createCustomer(m, request, this.clock.now());
  }

  private async confirmedPage(
    m: EntityManager,
    request: Pick<RequestRow, 'topics' | 'customer_id'>,
    lang: PageLang,
  ): Promise<ConfirmPage> {
    const preferencesUrl = this.preferences.linkFor(request.customer_id as string, 'email');
    return {
      confirmed: true,
      lang,
      topics: await this.topicTitles(m, request.topics, lang),
      preferencesPath: new URL(preferencesUrl).pathname,
    };
  }

  private async topicTitles(m: EntityManager, keys: string[], lang: PageLang): Promise<string[]> {
    const rows: Pick<TopicRow, 'key' | 'title'>[] = await m.query(
      `SELECT key, title FROM topics WHERE key = ANY($1) ORDER BY key`,
      [keys],
    );
    return rows.map((r) => localized(r.title, lang) || r.key);
  }

  private async createCustomer(m: EntityManager, request: RequestRow, now: Date): Promise<string> {
    const [row]: { id: string }[] = await m.query(
      `INSERT INTO customers (external_id, kind, name, email, locale, timezone, created_at, updated_at)
       VALUES ($1, 'consumer', $2, $3, $4, $5, $6, $6) RETURNING id`,
      [
        `subscribe:${randomUUID()}`,
        request.name,
        request.email,
        request.locale,
        // Quiet hours need a zone; a Russian form most likely means Moscow time.
        request.locale === 'ru' ? 'Europe/Moscow' : 'UTC',
        now,
      ],
    );
    await this.audit.record(
      {
        type: 'customer.created',
        customerId: row.id,
        actor: 'customer',
        at: now,
        data: { source: SOURCE, subscriptionId: request.id },
      },
      m,
    );
    return row.id;
  }
}
