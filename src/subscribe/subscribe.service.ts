import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { ALL_TOPICS, ConsentService } from '../consent';
import { MailService } from '../mail/mail.service';
import { renderSystemMail, type PageLang } from '../mail/system-mail';
import { DEFAULT_DOUBLE_OPT_IN, marketingConsentProblem } from '../policy/engine/consent';
import { ChannelConfirmationService } from '../preferences/channel-confirmation';
import { cadenceText, localized } from '../preferences/topic-texts';
import { addressHash } from '../suppression/suppression.service';
import { DEFAULT_TTL_MS, LinkTokenService } from '../tokens/link-token.service';
import { consentWording, wordingProblem } from './consent-wordings';
import type { SubscribeDto } from './subscribe.dto';
import type { RequestEvidence, TopicRow } from './subscription-types';
import { safeError } from '../common/log-safety';
import { invalid } from '../common/domain-error';

const DAY_MS = 86_400_000;
/** Confirmation e-mails per address per 24 hours, known address or not. */
export const CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3;

type Outcome = 'sent' | 'already_confirmed' | 'suppressed' | 'rate_limited';

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

/**
 * Double opt-in. `subscribe` keeps the request (address, the server's wording for the form's
 * version, IP and user agent) in subscription_requests only and e-mails a 7-day link; the page
 * behind the link has one button, and only its POST (`confirm-subscription.service.ts`) creates or
 * attaches the customer and records the grant and its confirmation. Until then no audience, forecast or planner can reach the
 * address. The caller always gets the same answer in the same time: whether the address was
 * known, confirmed already, suppressed or over its limit shows nowhere but in the database.
 */
/** What the confirmation e-mail of one request is made from. */
interface ConfirmationMail {
  requestId: string;
  /** The customer the address belongs to, else the request (no customer exists yet). */
  linkSubject: string;
  lang: PageLang;
  name: string | null;
  topics: TopicRow[];
}

@Injectable()
export class SubscribeService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SubscribeService.name);
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly consents: ConsentService,
    private readonly tokens: LinkTokenService,
    private readonly mail: MailService,
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
  private sendConfirmation(to: string, o: ConfirmationMail): void {
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

  private dispatch(to: string, o: ConfirmationMail): void {
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
