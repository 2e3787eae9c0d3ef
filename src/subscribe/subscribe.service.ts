import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { ALL_TOPICS, ConsentService, FLOW_SOURCES } from '../consent';
import { MailService } from '../mail/mail.service';
import { langOf, renderSystemMail, type PageLang } from '../mail/system-mail';
import { DEFAULT_DOUBLE_OPT_IN, marketingConsentProblem } from '../policy/engine/consent';
import { ChannelConfirmationService } from '../preferences/channel-confirmation';
import { csrfTokenFor, csrfTokenValid } from '../preferences/csrf';
import { PreferencesService } from '../preferences/preferences.service';
import { cadenceText, localized } from '../preferences/topic-texts';
import { addressHash } from '../suppression/suppression.service';
import { DEFAULT_TTL_MS, LinkTokenService } from '../tokens/link-token.service';
import { consentWording, wordingProblem } from './consent-wordings';
import type { SubscribeDto } from './subscribe.dto';
import { safeError } from '../common/log-safety';
import { invalid } from '../common/domain-error';

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

/** What /confirm/:token shows: the button (GET) or the thank-you page (after the POST). */
export type ConfirmPage =
  | { confirmed: false; lang: PageLang; topics: string[]; csrf: string }
  | {
      confirmed: true;
      lang: PageLang;
      topics: string[];
      /** Relative link to the preference page (works on any host the page is served from). */
      preferencesPath: string;
    };

/** An accepted form, processed after the answer. */
interface PendingRequest {
  email: string;
  name: string | null;
  keys: string[];
  topics: TopicRow[];
  locale: PageLang;
  /** Null when the grant is already in the ledger (an e-mail grant from an SMS link). */
  wording: string | null;
  wordingVersion: string | null;
  evidence: RequestEvidence;
}

interface RequestRow {
  id: string;
  address_hash: string;
  customer_id: string | null;
  topics: string[];
  locale: string;
  created_at: Date;
  confirmed_at: Date | null;
  email: string | null;
  name: string | null;
  wording: string | null;
  wording_version: string | null;
  ip: string | null;
  user_agent: string | null;
}

/**
 * Double opt-in. `subscribe` keeps the request (address, the server's wording for the form's
 * version, IP and user agent) in subscription_requests only and e-mails a 7-day link; the page
 * behind the link has one button, and only its POST creates or attaches the customer and records
 * the grant and its confirmation. Until then no audience, forecast or planner can reach the
 * address. The caller always gets the same answer in the same time: whether the address was
 * known, confirmed already, suppressed or over its limit shows nowhere but in the database.
 */
@Injectable()
export class SubscribeService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SubscribeService.name);
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly consents: ConsentService,
    private readonly tokens: LinkTokenService,
    private readonly mail: MailService,
    private readonly preferences: PreferencesService,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly channelConfirmations: ChannelConfirmationService,
  ) {}

  onModuleInit(): void {
    this.channelConfirmations.setEmailStarter((r) => this.startForGrant(r));
  }

  /**
   * An e-mail grant made from an SMS preference link is pending in the ledger already; the
   * double opt-in e-mail confirms it (same limits and suppression checks as the public form).
   */
  private async startForGrant(r: {
    customerId: string;
    email: string;
    topics: string[];
    locale: PageLang;
  }): Promise<void> {
    const topics = await this.topics(r.topics, r.topics);
    await this.process({
      email: r.email.trim().toLowerCase(),
      name: null,
      keys: r.topics,
      topics,
      locale: r.locale,
      wording: null,
      wordingVersion: null,
      evidence: { ip: null, userAgent: null },
    });
  }

  /** Resolves once every request answered so far has been processed (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /**
   * POST /v1/subscribe. Only address-independent checks run before the answer (topics, the
   * wording version); everything that depends on the address — known, confirmed, suppressed,
   * erased, over its limit — runs after it, so neither the answer nor its timing tells them apart.
   */
  async subscribe(dto: SubscribeDto, evidence: RequestEvidence): Promise<void> {
    const keys = [...new Set(dto.topics)];
    const topics = await this.topics(keys, dto.topics);
    const problem = wordingProblem(dto.wordingVersion, dto.locale);
    if (problem) throw invalid([problem]);
    const wording = consentWording(dto.wordingVersion, dto.locale, {
      company: this.settings.company.name,
      topics: topics.map((tp) => localized(tp.title, dto.locale) || tp.key),
    });
    const request: PendingRequest = {
      email: dto.email.trim().toLowerCase(),
      name: dto.name?.trim() || null,
      keys,
      topics,
      locale: dto.locale,
      wording,
      wordingVersion: dto.wordingVersion,
      evidence,
    };
    // After the answer: setImmediate runs once the response has been handed to the socket.
    const work: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.process(request))
      .catch((err: unknown) =>
        this.logger.error(
          `subscription request failed: ${err instanceof Error ? err.name : 'error'}`,
        ),
      )
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async process(r: PendingRequest): Promise<void> {
    const hash = addressHash('email', r.email);
    const outgoing = await this.dataSource.transaction(async (m) => {
      // One request per address at a time: the limit and the "already confirmed" check hold.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('subscribe:' || $1))`, [hash]);
      const now = this.clock.now();
      const note = (outcome: Outcome, customerId: string | null) =>
        m.query(
          `INSERT INTO subscription_requests (id, address_hash, customer_id, topics, locale, outcome, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [randomUUID(), hash, customerId, r.keys, r.locale, outcome, now],
        );
      await this.clearExpired(m, now);

      const [customer]: { id: string; name: string | null }[] = await m.query(
        `SELECT id, name FROM customers WHERE lower(email) = $1 AND erased_at IS NULL
         ORDER BY created_at, id LIMIT 1`,
        [r.email],
      );
      const suppressed: unknown[] = await m.query(
        `SELECT 1 FROM suppressions WHERE address_hash = $1 AND lifted_at IS NULL LIMIT 1`,
        [hash],
      );
      if (suppressed.length) {
        await note('suppressed', customer?.id ?? null);
        return null;
      }
      let pending = r.keys;
      if (customer) {
        const entries = (await this.consents.stateFor([customer.id], m)).get(customer.id) ?? [];
        pending = r.keys.filter(
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
      // The request alone is written: no customer, no ledger entry until the confirmation.
      const requestId = randomUUID();
      await m.query(
        `INSERT INTO subscription_requests (id, address_hash, customer_id, topics, locale, outcome,
           created_at, email, name, wording, wording_version, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, 'sent', $6, $7, $8, $9, $10, $11, $12)`,
        [
          requestId,
          hash,
          customer?.id ?? null,
          pending,
          r.locale,
          now,
          r.email,
          r.name,
          r.wording,
          r.wordingVersion,
          r.evidence.ip,
          r.evidence.userAgent,
        ],
      );
      return {
        requestId,
        linkSubject: customer?.id ?? requestId,
        lang: r.locale,
        // A name typed into a public form is not shown back in an e-mail to that address.
        name: customer?.name ?? null,
        topics: r.topics.filter((tp) => pending.includes(tp.key)),
      };
    });
    if (outgoing) this.sendConfirmation(r.email, outgoing);
  }

  /** The address and evidence of a request whose link has expired are not kept. */
  private async clearExpired(m: EntityManager, now: Date): Promise<void> {
    const ttl = DEFAULT_TTL_MS.confirm ?? 7 * DAY_MS;
    await m.query(
      `UPDATE subscription_requests SET email = NULL, name = NULL, ip = NULL, user_agent = NULL
       WHERE outcome = 'sent' AND confirmed_at IS NULL AND email IS NOT NULL AND created_at < $1`,
      [new Date(now.getTime() - ttl)],
    );
  }

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
    if (!link || !link.deliveryId || !UUID.test(link.deliveryId) || !UUID.test(link.customerId))
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
    if (errors.length) throw invalid(errors);
    return keys.map((k) => byKey.get(k) as TopicRow);
  }

  /** After the commit and off the request path: its timing must not tell who was mailed. */
  private sendConfirmation(
    to: string,
    o: {
      requestId: string;
      /** The customer the address belongs to, else the request (no customer exists yet). */
      linkSubject: string;
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
      /** The customer the address belongs to, else the request (no customer exists yet). */
      linkSubject: string;
      lang: PageLang;
      name: string | null;
      topics: TopicRow[];
    },
  ): void {
    const token = this.tokens.issue({
      purpose: 'confirm',
      customerId: o.linkSubject,
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
