import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '../audit-log/audit-writer';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { ALL_TOPICS, ConsentService, FLOW_SOURCES } from '../consent';
import { langOf } from '../mail/system-mail';
import type { Channel } from '../policy/engine';
import { ChannelConfirmationService } from './channel-confirmation';
import { LinkTokenService } from '../tokens/link-token.service';
import { csrfTokenValid } from './csrf';
import { parsePreferenceForm, type PreferenceChoices } from './preference-form';
import {
  dayText,
  frequencyLabel,
  renderPreferencePage,
  type Change,
  type PageNotes,
} from './preference-page';
import {
  customerZone,
  loadPreferenceState,
  type CustomerRow,
  type Loaded,
  type PreferenceTarget,
} from './preference-state';
import { fill, PAGE_TEXTS } from './preferences.texts';
import { CHANNEL_LABELS, localized } from './topic-texts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHANNELS: readonly Channel[] = ['email', 'sms', 'voice'];
/** Version of the page's consent wording, stored with every grant made on it. */
export const PREFERENCE_PAGE_WORDING_VERSION = 'preference-page-1';
const SOURCE = FLOW_SOURCES.preferencePage;

export interface RequestEvidence {
  ip: string | null;
  userAgent: string | null;
}

/** A grant made on another channel than the link's: confirmed on its own channel later. */
interface CrossChannelGrant {
  topic: string;
  channel: Channel;
  title: string;
}

export interface PageResult {
  status: number;
  html: string;
}

/**
 * The preference page behind `/p/:token`: what the customer hears about, on which channel, how
 * often, a pause, and one button to unsubscribe from everything. Topic switches go through the
 * consent ledger (source preference-page, with IP and user agent); frequency, pause and
 * channels go to customer_preferences, which the policy engine reads. GET never changes anything.
 */
@Injectable()
export class PreferencesService {
  constructor(
    private readonly tokens: LinkTokenService,
    private readonly consents: ConsentService,
    private readonly audit: AuditWriter,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly confirmations: ChannelConfirmationService,
  ) {}

  /** The absolute preference page URL for a customer (for e-mail footers and system mail). */
  linkFor(customerId: string, channel: Channel = 'email'): string {
    const token = this.tokens.issue({
      purpose: 'preferences',
      customerId,
      channel,
      topic: ALL_TOPICS,
    });
    return `${this.settings.publicUrl}/p/${token}`;
  }

  /** The customer a genuine, unexpired preferences token names, or null (never says why). */
  async resolve(token: string): Promise<PreferenceTarget | null> {
    const link = this.tokens.verify(token, 'preferences');
    if (!link || !UUID.test(link.customerId)) return null;
    const rows: CustomerRow[] = await this.dataSource.query(
      `SELECT id, name, email, phone, kind, locale, timezone FROM customers
       WHERE id = $1 AND erased_at IS NULL`,
      [link.customerId],
    );
    if (!rows.length) return null;
    return { token, link, customer: rows[0], lang: langOf(rows[0].locale) };
  }

  /** GET: the page as it stands; reads only. */
  async page(target: PreferenceTarget): Promise<string> {
    const loaded = await loadPreferenceState(
      this.consents,
      target.customer,
      this.dataSource.manager,
    );
    return this.render(target, loaded, loaded.current, {});
  }

  /** POST: checks the CSRF token, validates, saves in one transaction and shows what changed. */
  async submit(
    target: PreferenceTarget,
    body: Record<string, unknown>,
    evidence: RequestEvidence,
  ): Promise<PageResult | 'forbidden'> {
    const secrets = [this.settings.secret, ...this.settings.previousSecrets];
    if (!csrfTokenValid(secrets, target.token, body.csrf)) return 'forbidden';
    if (body.action === 'unsubscribe-all') return this.unsubscribeAll(target, evidence);

    const now = this.clock.now();
    const before = await loadPreferenceState(
      this.consents,
      target.customer,
      this.dataSource.manager,
    );
    const parsed = parsePreferenceForm(body, {
      lang: target.lang,
      timezone: customerZone(target.customer),
      now,
      pairs: before.pairs,
      reachable: before.reachable,
    });
    if (!parsed.ok) {
      return {
        status: 400,
        html: this.render(target, before, before.current, { errors: parsed.errors }),
      };
    }
    const crossChannel: CrossChannelGrant[] = [];
    const changes = await this.dataSource.transaction(async (m) => {
      await this.lockCustomer(m, target.customer.id);
      // Re-read under the lock so two submissions cannot both act on a stale picture.
      const current = await loadPreferenceState(this.consents, target.customer, m);
      return this.apply(target, current, parsed.choices, evidence, m, crossChannel);
    });
    await this.requestConfirmations(target, crossChannel);
    const after = await loadPreferenceState(
      this.consents,
      target.customer,
      this.dataSource.manager,
    );
    return { status: 200, html: this.render(target, after, after.current, { changes }) };
  }

  private async unsubscribeAll(
    target: PreferenceTarget,
    evidence: RequestEvidence,
  ): Promise<PageResult> {
    const t = PAGE_TEXTS[target.lang];
    await this.dataSource.transaction(async (m) => {
      await this.lockCustomer(m, target.customer.id);
      const state = (await this.consents.stateFor([target.customer.id], m)).get(target.customer.id);
      const { reachable } = await loadPreferenceState(this.consents, target.customer, m);
      // Every channel the customer can be reached on or ever consented on; '*' beats each topic.
      const channels = CHANNELS.filter(
        (c) => reachable.includes(c) || (state ?? []).some((e) => e.channel === c),
      );
      for (const channel of channels) {
        await this.consents.withdraw(
          {
            customerId: target.customer.id,
            channel,
            topic: ALL_TOPICS,
            source: SOURCE,
            actor: 'customer',
            evidence: { ...evidence, wording: t.unsubscribeAll },
          },
          m,
        );
      }
      await this.audit.record(
        {
          type: 'preferences.changed',
          customerId: target.customer.id,
          actor: 'customer',
          at: this.clock.now(),
          data: { source: SOURCE, unsubscribeAll: true, channels },
        },
        m,
      );
    });
    const after = await loadPreferenceState(
      this.consents,
      target.customer,
      this.dataSource.manager,
    );
    return {
      status: 200,
      html: this.render(target, after, after.current, { unsubscribedAll: true }),
    };
  }

  private async apply(
    target: PreferenceTarget,
    current: Loaded,
    wanted: PreferenceChoices,
    evidence: RequestEvidence,
    m: EntityManager,
    crossChannel: CrossChannelGrant[],
  ): Promise<Change[]> {
    const t = PAGE_TEXTS[target.lang];
    const labels = CHANNEL_LABELS[target.lang];
    const customerId = target.customer.id;
    const changes: Change[] = [];

    for (const [key, on] of wanted.topics) {
      const was = current.current.topics.get(key);
      if (was === undefined || was === on) continue;
      const [topic, channel] = key.split(':') as [string, Channel];
      const row = current.topics.find((x) => x.key === topic);
      const title = localized(row?.title, target.lang) || topic;
      // The wording is the label the customer saw: the topic's title and the channel's name.
      const wording = `${title}: ${labels[channel]}`;
      const specific = current.entries.find((e) => e.channel === channel && e.topic === topic);
      if (on && specific && specific.status !== 'withdrawn') {
        // Off only because of a later "everything" withdrawal: a repeated grant would keep its
        // old `since` and lose to it, so the topic's own entry is restarted first.
        await this.consents.withdraw(
          {
            customerId,
            channel,
            topic,
            source: SOURCE,
            actor: 'customer',
            evidence: { ...evidence, wording },
            data: { step: 'restart-before-grant' },
          },
          m,
        );
      }
      // The page's own link came through this channel, which proves the address is theirs; a
      // link can be forwarded, so a grant on another channel waits for that channel's own "yes".
      const ownChannel = channel === target.link.channel;
      if (on && !ownChannel) crossChannel.push({ topic, channel, title });
      await this.consents.record(
        {
          customerId,
          channel,
          topic,
          action: on ? 'grant' : 'withdraw',
          source: SOURCE,
          ...(on ? { confirmed: ownChannel, needsConfirmation: !ownChannel } : {}),
          actor: 'customer',
          evidence: {
            ...evidence,
            wording,
            wordingVersion: PREFERENCE_PAGE_WORDING_VERSION,
          },
        },
        m,
      );
      changes.push({
        field: 'topic',
        topic,
        channel,
        from: was,
        to: on,
        text: fill(t.change_topic, {
          topic: title,
          channel: labels[channel].toLowerCase(),
          state: on ? t.on : t.off,
        }),
      });
    }

    const prefsChanged: Change[] = [];
    const sameChannels = wanted.channels.join(',') === current.current.channels.join(',');
    if (!sameChannels) {
      prefsChanged.push({
        field: 'channels',
        from: current.current.channels,
        to: wanted.channels,
        text: fill(t.change_channels, {
          value: wanted.channels.length
            ? wanted.channels.map((c) => labels[c]).join(', ')
            : t.change_channels_all,
        }),
      });
    }
    if (wanted.maxFrequency !== current.current.maxFrequency) {
      prefsChanged.push({
        field: 'maxFrequency',
        from: current.current.maxFrequency,
        to: wanted.maxFrequency,
        text: fill(t.change_frequency, {
          value: frequencyLabel(this.settings.company.name, target.lang, wanted.maxFrequency),
        }),
      });
    }
    const pauseWas = current.current.pausedUntil?.getTime() ?? null;
    const pauseNow = wanted.pausedUntil?.getTime() ?? null;
    // An expired pause counts as none: clearing the field does not "remove" it again.
    const livePauseWas =
      pauseWas !== null && pauseWas > this.clock.now().getTime() ? pauseWas : null;
    if (pauseNow !== livePauseWas) {
      prefsChanged.push({
        field: 'pausedUntil',
        from: current.current.pausedUntil?.toISOString() ?? null,
        to: wanted.pausedUntil?.toISOString() ?? null,
        text: wanted.pausedUntil
          ? fill(t.change_pause, { value: dayText(target, wanted.pausedUntil) })
          : t.change_pause_off,
      });
    }
    if (wanted.trackClicks !== null && wanted.trackClicks !== current.current.trackClicks) {
      await m.query(`UPDATE customers SET track_clicks = $2 WHERE id = $1`, [
        customerId,
        wanted.trackClicks,
      ]);
      changes.push({
        field: 'trackClicks',
        from: current.current.trackClicks,
        to: wanted.trackClicks,
        text: wanted.trackClicks ? t.change_clicks_on : t.change_clicks_off,
      });
    }
    if (prefsChanged.length) {
      await m.query(
        `INSERT INTO customer_preferences (customer_id, max_frequency, paused_until, preferred_channels, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (customer_id) DO UPDATE SET max_frequency = EXCLUDED.max_frequency,
           paused_until = EXCLUDED.paused_until, preferred_channels = EXCLUDED.preferred_channels,
           updated_at = EXCLUDED.updated_at`,
        [customerId, wanted.maxFrequency, wanted.pausedUntil, wanted.channels, this.clock.now()],
      );
      changes.push(...prefsChanged);
    }
    if (changes.length) {
      await this.audit.record(
        {
          type: 'preferences.changed',
          customerId,
          actor: 'customer',
          at: this.clock.now(),
          data: {
            source: SOURCE,
            changes: changes.map(({ text: _text, ...codes }) => codes),
          },
        },
        m,
      );
    }
    return changes;
  }

  /** After the commit: an SMS asking for YES, or the e-mail double opt-in, per channel. */
  private async requestConfirmations(
    target: PreferenceTarget,
    grants: CrossChannelGrant[],
  ): Promise<void> {
    const { customer, lang } = target;
    const phoneGrants = grants.filter((g) => g.channel === 'sms' || g.channel === 'voice');
    if (phoneGrants.length && customer.phone) {
      const titles = [...new Set(phoneGrants.map((g) => g.title))];
      await this.confirmations.requestSms(customer.id, customer.phone, titles, lang);
    }
    const emailGrants = grants.filter((g) => g.channel === 'email');
    if (emailGrants.length && customer.email) {
      await this.confirmations.requestEmail(
        customer.id,
        customer.email,
        emailGrants.map((g) => g.topic),
        lang,
      );
    }
  }

  private async lockCustomer(m: EntityManager, id: string): Promise<void> {
    await m.query(`SELECT id FROM customers WHERE id = $1 FOR NO KEY UPDATE`, [id]);
  }

  private render(
    target: PreferenceTarget,
    loaded: Loaded,
    shown: PreferenceChoices,
    notes: PageNotes,
  ): string {
    return renderPreferencePage(this.settings, this.clock.now(), target, loaded, shown, notes);
  }
}
