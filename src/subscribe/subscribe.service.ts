import { randomUUID } from 'node:crypto';
import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { ALL_TOPICS, ConsentService, FLOW_SOURCES } from '../consent';
import { MailService } from '../mail/mail.service';
import { langOf, renderSystemMail, type PageLang } from '../mail/system-mail';
import { DEFAULT_DOUBLE_OPT_IN, marketingConsentProblem } from '../policy/engine/consent';
import { PreferencesService } from '../preferences/preferences.service';
import { cadenceText, localized } from '../preferences/topic-texts';
import { addressHash } from '../suppression/suppression.service';
import { DEFAULT_TTL_MS, LinkTokenService } from '../tokens/link-token.service';
import type { SubscribeDto } from './subscribe.dto';
import { safeError } from '../common/log-safety';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;
/** Confirmation e-mails per address per 24 hours, known address or not. */
export const CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3;
const SOURCE = FLOW_SOURCES.doubleOptIn;

export interface RequestEvidence {
  ip: string | null;
  userAgent: string | null;
}

interface TopicRow {
  key: string;
  category: string;
  cadence_days: number | null;
  title: Record<string, string>;
  description: Record<string, string>;
  archived_at: Date | null;
}

type Outcome = 'sent' | 'already_confirmed' | 'suppressed' | 'rate_limited';

export interface ConfirmedPage {
  lang: PageLang;
  topics: string[];
  /** Relative link to the preference page (works on any host the page is served from). */
  preferencesPath: string;
}

const DEFAULT_WORDING: Record<PageLang, (company: string, topics: string) => string> = {
  ru: (company, topics) => `Да, я хочу получать письма ${company} на темы: ${topics}.`,
  en: (company, topics) => `Yes, I want to receive e-mail from ${company} about: ${topics}.`,
};

/**
 * Double opt-in. `subscribe` records a grant (source double-opt-in, with the form's wording and
 * the request's IP and user agent) and e-mails a 7-day confirmation link; `confirm` records the
 * confirmation. The caller always gets the same answer: whether the address was known,
 * confirmed already, suppressed or over its limit shows nowhere but in the database.
 */
@Injectable()
export class SubscribeService {
  private readonly logger = new Logger(SubscribeService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly consents: ConsentService,
    private readonly tokens: LinkTokenService,
    private readonly mail: MailService,
    private readonly preferences: PreferencesService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async subscribe(dto: SubscribeDto, evidence: RequestEvidence): Promise<void> {
    const email = dto.email.trim().toLowerCase();
    const keys = [...new Set(dto.topics)];
    const topics = await this.topics(keys, dto.topics);
    const hash = addressHash('email', email);

    const outgoing = await this.dataSource.transaction(async (m) => {
      // One request per address at a time: the limit and the "already confirmed" check hold.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('subscribe:' || $1))`, [hash]);
      const now = this.clock.now();
      const note = (outcome: Outcome, customerId: string | null, id: string = randomUUID()) =>
        m.query(
          `INSERT INTO subscription_requests (id, address_hash, customer_id, topics, locale, outcome, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [id, hash, customerId, keys, dto.locale, outcome, now],
        );

      const [customer]: { id: string; name: string | null }[] = await m.query(
        `SELECT id, name FROM customers WHERE lower(email) = $1 AND erased_at IS NULL
         ORDER BY created_at, id LIMIT 1`,
        [email],
      );
      const suppressed: unknown[] = await m.query(
        `SELECT 1 FROM suppressions WHERE address_hash = $1 AND lifted_at IS NULL LIMIT 1`,
        [hash],
      );
      if (suppressed.length) {
        await note('suppressed', customer?.id ?? null);
        return null;
      }
      let pending = keys;
      if (customer) {
        const entries = (await this.consents.stateFor([customer.id], m)).get(customer.id) ?? [];
        pending = keys.filter(
          (k) =>
            marketingConsentProblem({ entries, doubleOptIn: DEFAULT_DOUBLE_OPT_IN }, 'email', k) !==
            null,
        );
        if (!pending.length) {
          await note('already_confirmed', customer.id);
          return null;
        }
      }
      const [{ sent }]: { sent: number }[] = await m.query(
        `SELECT count(*)::int AS sent FROM subscription_requests
         WHERE address_hash = $1 AND outcome = 'sent' AND created_at > $2`,
        [hash, new Date(now.getTime() - DAY_MS)],
      );
      if (sent >= CONFIRMATIONS_PER_ADDRESS_PER_DAY) {
        await note('rate_limited', customer?.id ?? null);
        return null;
      }

      const customerId = customer?.id ?? (await this.createCustomer(m, email, dto, now));
      const requestId = randomUUID();
      await note('sent', customerId, requestId);
      const lang = dto.locale;
      const titles = topics.map((tp) => localized(tp.title, lang) || tp.key);
      const wording =
        dto.wording ?? DEFAULT_WORDING[lang](this.settings.company.name, titles.join(', '));
      for (const topic of pending) {
        await this.consents.record(
          {
            customerId,
            channel: 'email',
            topic,
            action: 'grant',
            source: SOURCE,
            actor: 'customer',
            evidence: { ...evidence, wording, wordingVersion: dto.wordingVersion },
            data: { subscriptionId: requestId },
          },
          m,
        );
      }
      return {
        requestId,
        customerId,
        lang,
        // A name typed into a public form is not shown back in an e-mail to that address.
        name: customer?.name ?? null,
        topics: topics.filter((tp) => pending.includes(tp.key)),
      };
    });
    if (outgoing) this.sendConfirmation(email, outgoing);
  }

  /** GET /confirm/:token — records the confirmation once; a replay shows the same page. */
  async confirm(token: string, evidence: RequestEvidence): Promise<ConfirmedPage | null> {
    const link = this.tokens.verify(token, 'confirm');
    if (!link || !UUID.test(link.customerId) || !link.deliveryId || !UUID.test(link.deliveryId))
      return null;
    const requestId = link.deliveryId;
    return this.dataSource.transaction(async (m) => {
      const [request]: { topics: string[]; locale: string; confirmed_at: Date | null }[] =
        await m.query(
          `SELECT topics, locale, confirmed_at FROM subscription_requests
           WHERE id = $1 AND customer_id = $2 AND outcome = 'sent' FOR UPDATE`,
          [requestId, link.customerId],
        );
      if (!request) return null;
      const [customer]: { id: string }[] = await m.query(
        `SELECT id FROM customers WHERE id = $1 AND erased_at IS NULL FOR NO KEY UPDATE`,
        [link.customerId],
      );
      if (!customer) return null;
      if (!request.confirmed_at) {
        const entries = (await this.consents.stateFor([customer.id], m)).get(customer.id) ?? [];
        for (const topic of request.topics) {
          const state = entries.find((e) => e.channel === 'email' && e.topic === topic);
          // Only a grant still waiting is confirmed: a withdrawal since then stands.
          if (state?.status !== 'granted') continue;
          await this.consents.record(
            {
              customerId: customer.id,
              channel: 'email',
              topic,
              action: 'confirm',
              source: SOURCE,
              actor: 'customer',
              evidence,
              data: { subscriptionId: requestId },
            },
            m,
          );
        }
        await m.query(`UPDATE subscription_requests SET confirmed_at = $2 WHERE id = $1`, [
          requestId,
          this.clock.now(),
        ]);
      }
      const lang = langOf(request.locale);
      const rows: Pick<TopicRow, 'key' | 'title'>[] = await m.query(
        `SELECT key, title FROM topics WHERE key = ANY($1) ORDER BY key`,
        [request.topics],
      );
      const preferencesUrl = this.preferences.linkFor(customer.id, 'email');
      return {
        lang,
        topics: rows.map((r) => localized(r.title, lang) || r.key),
        preferencesPath: new URL(preferencesUrl).pathname,
      };
    });
  }

  /** Known, live, subscribable topics; otherwise a 400 naming each bad entry. */
  private async topics(keys: string[], given: string[]): Promise<TopicRow[]> {
    const rows: TopicRow[] = await this.dataSource.query(
      `SELECT key, category, cadence_days, title, description, archived_at FROM topics
       WHERE key = ANY($1)`,
      [keys],
    );
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const errors: string[] = [];
    given.forEach((key, i) => {
      const row = byKey.get(key);
      if (!row) errors.push(`topics[${i}] "${key}" is not a known topic`);
      else if (row.archived_at) errors.push(`topics[${i}] "${key}" is archived`);
      else if (row.category === 'service')
        errors.push(`topics[${i}] "${key}" is a service topic, which needs no subscription`);
    });
    if (errors.length) throw new BadRequestException(errors);
    return keys.map((k) => byKey.get(k) as TopicRow);
  }

  private async createCustomer(
    m: EntityManager,
    email: string,
    dto: SubscribeDto,
    now: Date,
  ): Promise<string> {
    const [row]: { id: string }[] = await m.query(
      `INSERT INTO customers (external_id, kind, name, email, locale, timezone, created_at, updated_at)
       VALUES ($1, 'consumer', $2, $3, $4, $5, $6, $6) RETURNING id`,
      [
        `subscribe:${randomUUID()}`,
        dto.name?.trim() || null,
        email,
        dto.locale,
        // Quiet hours need a zone; a Russian form most likely means Moscow time.
        dto.locale === 'ru' ? 'Europe/Moscow' : 'UTC',
        now,
      ],
    );
    await this.audit.record(
      {
        type: 'customer.created',
        customerId: row.id,
        actor: 'customer',
        at: now,
        data: { source: SOURCE },
      },
      m,
    );
    return row.id;
  }

  /** After the commit and off the request path: its timing must not tell who was mailed. */
  private sendConfirmation(
    to: string,
    o: {
      requestId: string;
      customerId: string;
      lang: PageLang;
      name: string | null;
      topics: TopicRow[];
    },
  ): void {
    try {
      this.dispatch(to, o);
    } catch (err) {
      // The grant is recorded; a template fault must not turn into a different HTTP answer.
      this.logger.error(
        { error: safeError(err), requestId: o.requestId },
        'confirmation could not be rendered',
      );
    }
  }

  private dispatch(
    to: string,
    o: {
      requestId: string;
      customerId: string;
      lang: PageLang;
      name: string | null;
      topics: TopicRow[];
    },
  ): void {
    const token = this.tokens.issue({
      purpose: 'confirm',
      customerId: o.customerId,
      channel: 'email',
      topic: ALL_TOPICS,
      // The confirm link names the request it answers, so a replay finds it already confirmed.
      deliveryId: o.requestId,
    });
    const content = renderSystemMail('confirm', o.lang, {
      name: o.name,
      company: this.settings.company,
      confirmUrl: `${this.settings.publicUrl}/confirm/${token}`,
      expiresDays: Math.round((DEFAULT_TTL_MS.confirm ?? 7 * DAY_MS) / DAY_MS),
      topics: o.topics.map((tp) => ({
        title: localized(tp.title, o.lang) || tp.key,
        description: localized(tp.description, o.lang) || null,
        cadence: cadenceText(tp.cadence_days, o.lang),
      })),
    });
    this.mail.send({ to, ...content }).then(
      (sent) => this.logger.log(`confirmation ${o.requestId} handed over (${sent.transport})`),
      (err: { code?: string; responseCode?: number }) =>
        this.logger.warn(
          `confirmation ${o.requestId} failed: ${err.responseCode ?? err.code ?? 'error'}`,
        ),
    );
  }
}
