import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import type { AuditEventType } from '../audit-log/audit-event-types';
import { KEY_ACTOR_PREFIX } from '../auth/actor';
import { Clock } from '../common/clock';
import { maskPersonal } from '../common/mask-personal';
import { lockContacts } from '../common/contact-lock';
import type { Channel, ConsentEntry } from '../policy/engine';
import { TOPIC_KEY_PATTERN } from '../topics/topics.dto';
import { TopicsService } from '../topics/topics.service';
import { cancelPlanned } from '../planned-deliveries/cancel-planned';
import {
  ALL_TOPICS,
  CONSENT_ACTIONS,
  CONSENT_CHANNELS,
  nextConsentState,
  type ConsentAction,
} from './consent-state';
import { FLOW_SOURCE_MESSAGE, isFlowSource } from './consent-sources';
import { SOURCE_PATTERN } from './consent.dto';
import { DomainError, invalid, notFound } from '../common/domain-error';
import {
  toEvent,
  toState,
  type ConsentStateView,
  type EventRow,
  type RecordedConsent,
  type StateRow,
} from './consent-views';

export interface ConsentEvidence {
  ip?: string | null;
  userAgent?: string | null;
  /** The exact wording shown to the customer; required for a grant. */
  wording?: string | null;
  wordingVersion?: string | null;
}

/** One ledger entry to record, from the API or in-process (preference page, SMS keyword, …). */
export interface ConsentCommand {
  customerId: string;
  channel: Channel;
  /** A topic key, or '*' for every topic. */
  topic: string;
  action: ConsentAction;
  /** web-form, import, api, … or one of FLOW_SOURCES (in-process flows only, never an API key). */
  source: string;
  /** grant only: the double opt-in was already completed elsewhere. */
  confirmed?: boolean;
  /**
   * grant only: the grant came through another channel than its own (a forwarded e-mail link
   * granting SMS), so it counts only once confirmed on its own channel; pending until then.
   */
  needsConfirmation?: boolean;
  evidence?: ConsentEvidence;
  /** `key:<id>`, `customer`, `sms:<message sid>`, … — never personal data. */
  actor: string;
  /** Extra non-personal context (a delivery id, a token id, …). */
  data?: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const AUDIT_TYPE: Record<ConsentAction, AuditEventType> = {
  grant: 'consent.granted',
  confirm: 'consent.confirmed',
  withdraw: 'consent.withdrawn',
};

/**
 * The consent ledger: append an event and derive the current state in one transaction.
 * In-process callers (double opt-in, preference page, one-click, SMS keywords) use the same API.
 */
@Injectable()
export class ConsentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly topics: TopicsService,
    private readonly clock: Clock,
  ) {}

  /** Appends one ledger event, updates the state, audits, and on withdrawal cancels what is pending. */
  async record(command: ConsentCommand, manager?: EntityManager): Promise<RecordedConsent> {
    this.check(command);
    if (manager) return this.recordIn(manager, command);
    return this.dataSource.transaction((m) => this.recordIn(m, command));
  }

  /** Withdrawal is always allowed and idempotent (the ledger keeps each request). */
  withdraw(
    command: Omit<ConsentCommand, 'action' | 'confirmed'>,
    manager?: EntityManager,
  ): Promise<RecordedConsent> {
    return this.record({ ...command, action: 'withdraw' }, manager);
  }

  /**
   * Current consent entries for many customers in one query (the planner's batches), in the
   * policy engine's shape. Customers without any consent map to an empty list.
   */
  async stateFor(
    customerIds: readonly string[],
    manager?: EntityManager,
  ): Promise<Map<string, ConsentEntry[]>> {
    const out = new Map<string, ConsentEntry[]>(customerIds.map((id) => [id, []]));
    if (!customerIds.length) return out;
    const rows: StateRow[] = await (manager ?? this.dataSource.manager).query(
      `SELECT customer_id, channel, topic, status, since, last_event_id, needs_confirmation
       FROM consent_state
       WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id, since, last_event_id`,
      [customerIds],
    );
    for (const r of rows) {
      out.get(r.customer_id)?.push({
        channel: r.channel,
        topic: r.topic,
        status: r.status,
        since: r.since,
        ...(r.needs_confirmation ? { needsConfirmation: true } : {}),
      });
    }
    return out;
  }

  /** The ledger (oldest first) and the current state of one customer. */
  async forCustomer(customerId: string) {
    await this.customer(this.dataSource.manager, customerId, false);
    const ledger: EventRow[] = await this.dataSource.query(
      `SELECT e.id, e.customer_id, e.channel, e.topic, e.action, e.source, e.confirmed,
              e.occurred_at, e.ip, e.user_agent, w.wording, e.wording_hash, e.wording_version,
              e.actor, e.data
         FROM consent_events e
         LEFT JOIN consent_wordings w ON w.hash = e.wording_hash
        WHERE e.customer_id = $1 ORDER BY e.id`,
      [customerId],
    );
    return {
      ledger: ledger.map(toEvent),
      state: await this.currentState(this.dataSource.manager, customerId),
    };
  }

  /** Rules that hold for every caller, HTTP or in-process. */
  private check(c: ConsentCommand): void {
    const errors: string[] = [];
    if (!(CONSENT_CHANNELS as readonly string[]).includes(c.channel))
      errors.push('channel must be one of email, sms, voice');
    if (!(CONSENT_ACTIONS as readonly string[]).includes(c.action))
      errors.push('action must be one of grant, confirm, withdraw');
    if (c.topic !== ALL_TOPICS && !TOPIC_KEY_PATTERN.test(c.topic))
      errors.push(`topic must be "*" or a topic key`);
    if (!SOURCE_PATTERN.test(c.source))
      errors.push('source must be a short lower-case name such as web-form, import or api');
    // An API key speaks for the company, never for the customer: the flows' sources are theirs.
    else if ((c.actor ?? '').startsWith(KEY_ACTOR_PREFIX) && isFlowSource(c.source))
      errors.push(FLOW_SOURCE_MESSAGE);
    if (c.confirmed !== undefined && c.action !== 'grant')
      errors.push('confirmed applies to action grant only');
    // A consent that cannot be proved is worthless (38-FZ art. 18, GDPR art. 7(1)).
    if (c.action === 'grant') {
      if (!c.evidence?.wording?.trim())
        errors.push('evidence.wording is required to grant consent (the exact text shown)');
      if (!c.evidence?.wordingVersion?.trim())
        errors.push('evidence.wordingVersion is required to grant consent');
    }
    if (!c.actor) errors.push('actor is required');
    if (errors.length) throw invalid(errors);
  }

  private async recordIn(m: EntityManager, c: ConsentCommand): Promise<RecordedConsent> {
    // Serialises consent changes of one customer, and waits for (or sees) an erasure.
    await this.customer(m, c.customerId, true);
    if (c.action === 'withdraw') {
      // The planner holds this lock while it decides and writes a batch. Taking it here means
      // a planner batch in flight either commits first (and its new deliveries are cancelled
      // below) or waits and then reads this withdrawal: nothing planned slips past.
      await lockContacts(m, [c.customerId]);
    }
    if (c.topic !== ALL_TOPICS) {
      const topic = await this.topics.find(c.topic, m);
      if (!topic) throw invalid([`topic ${c.topic} is not a known topic`]);
      if (topic.archivedAt && c.action !== 'withdraw')
        throw invalid([`topic ${c.topic} is archived`]);
    }
    const now = this.clock.now();
    const [current]: StateRow[] = await m.query(
      `SELECT * FROM consent_state WHERE customer_id = $1 AND channel = $2 AND topic = $3`,
      [c.customerId, c.channel, c.topic],
    );
    const confirmed = c.action === 'confirm' || (c.action === 'grant' && c.confirmed === true);
    const needsConfirmation = c.action === 'grant' && !confirmed && c.needsConfirmation === true;
    let overridden = false;
    if (current && c.topic !== ALL_TOPICS && c.action !== 'withdraw') {
      const [all]: StateRow[] = await m.query(
        `SELECT * FROM consent_state WHERE customer_id = $1 AND channel = $2 AND topic = '*'`,
        [c.customerId, c.channel],
      );
      overridden = all?.status === 'withdrawn' && all.since >= current.since;
    }
    const next = nextConsentState(current ?? null, {
      action: c.action,
      confirmed,
      at: now,
      overridden,
    });
    if (next.kind === 'refused') throw invalid([`${next.message} (${c.channel}/${c.topic})`]);

    const ev = c.evidence ?? {};
    // The version label lands in append-only rows: an address or number in it is masked.
    const wordingVersion = ev.wordingVersion ? maskPersonal(ev.wordingVersion) : null;
    // A trigger moves the wording to the mutable consent_wordings; the ledger keeps its hash.
    const [inserted]: EventRow[] = await m.query(
      `INSERT INTO consent_events (customer_id, channel, topic, action, source, confirmed, occurred_at,
         ip, user_agent, wording, wording_version, actor, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
      [
        c.customerId,
        c.channel,
        c.topic,
        c.action,
        c.source,
        confirmed,
        now,
        ev.ip ?? null,
        ev.userAgent ?? null,
        ev.wording ?? null,
        wordingVersion,
        c.actor,
        JSON.stringify(needsConfirmation ? { ...c.data, needsConfirmation } : (c.data ?? {})),
      ],
    );
    const row: EventRow = { ...inserted, wording: ev.wording ?? null };
    if (next.kind === 'set') {
      await m.query(
        `INSERT INTO consent_state (customer_id, channel, topic, status, since, last_event_id, needs_confirmation)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (customer_id, channel, topic)
         DO UPDATE SET status = EXCLUDED.status, since = EXCLUDED.since, last_event_id = EXCLUDED.last_event_id,
           needs_confirmation = EXCLUDED.needs_confirmation`,
        [
          c.customerId,
          c.channel,
          c.topic,
          next.status,
          next.since,
          row.id,
          next.status === 'granted' && needsConfirmation,
        ],
      );
    }
    const cancelledDeliveries =
      c.action === 'withdraw'
        ? await cancelPlanned(
            m,
            {
              customerId: c.customerId,
              channel: c.channel,
              topic: c.topic,
              reason: 'consent_withdrawn',
            },
            c.actor,
            now,
          )
        : 0;
    await this.audit.record(
      {
        type: AUDIT_TYPE[c.action],
        customerId: c.customerId,
        channel: c.channel,
        // A withdrawal from a message's link names that delivery (promise 7: traceable).
        deliveryId:
          typeof c.data?.deliveryId === 'string' && UUID.test(c.data.deliveryId)
            ? c.data.deliveryId
            : null,
        actor: c.actor,
        at: now,
        data: {
          ...c.data,
          topic: c.topic,
          source: c.source,
          consentEventId: String(row.id),
          status: next.kind === 'set' ? next.status : current?.status,
          confirmed,
          wordingVersion,
          ...(c.action === 'withdraw' ? { cancelledDeliveries } : {}),
        },
      },
      m,
    );
    return {
      event: toEvent(row),
      state: await this.currentState(m, c.customerId),
      cancelledDeliveries,
    };
  }

  private async customer(m: EntityManager, id: string, lock: boolean): Promise<void> {
    const rows: { erased_at: Date | null }[] = await m.query(
      `SELECT erased_at FROM customers WHERE id = $1 ${lock ? 'FOR NO KEY UPDATE' : ''}`,
      [id],
    );
    if (!rows.length) throw notFound([`customer ${id} not found`]);
    if (lock && rows[0].erased_at)
      throw new DomainError('gone', [`customer ${id} was erased; consent cannot be recorded`]);
  }

  private async currentState(m: EntityManager, customerId: string): Promise<ConsentStateView[]> {
    const rows: StateRow[] = await m.query(
      `SELECT * FROM consent_state WHERE customer_id = $1 ORDER BY channel, topic`,
      [customerId],
    );
    return rows.map(toState);
  }
}
