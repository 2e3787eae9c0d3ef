import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { DataSource } from 'typeorm';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { ALL_TOPICS, ConsentService, FLOW_SOURCES } from '../consent';
import type { LinkTokenPayload } from '../tokens/link-token.service';
import { LinkTokenService } from '../tokens/link-token.service';
import { PreferencesService } from '../preferences/preferences.service';
import { Clock } from '../common/clock';
import { readUndoToken, undoTokenFor } from './unsubscribe-undo';

export const ONE_CLICK_DONE_TEXT = 'Unsubscribed.\n';

const CONSENT_STATUS = `SELECT status FROM consent_state
  WHERE customer_id = $1 AND channel = $2 AND topic = $3`;
const CONSENT_STATUS_AND_EVENT = `SELECT status, last_event_id FROM consent_state
  WHERE customer_id = $1 AND channel = $2 AND topic = $3`;
/** The ledger's own lock, taken first: two undos of one withdrawal queue, the second finds it taken back. */
const LOCK_CUSTOMER = `SELECT 1 FROM customers WHERE id = $1 FOR NO KEY UPDATE`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Lang = 'ru' | 'en';

const TEXTS: Record<Lang, Record<string, string>> = {
  ru: {
    title: 'Отписка от рассылки',
    hello: 'Здравствуйте',
    question: 'Вы хотите отписаться от писем',
    button: 'Отписаться',
    keep: 'Если вы передумали, просто закройте эту страницу — ничего не изменится.',
    doneTitle: 'Вы отписаны',
    doneTopic: 'Вы больше не будете получать сообщения на тему',
    doneAll: 'Вы больше не будете получать от нас сообщений',
    undo: 'Отменить отписку',
    undoHelp: 'Отписались по ошибке? Отменить можно в течение часа.',
    undoneTitle: 'Подписка восстановлена',
    undoneBody: 'Вы снова будете получать сообщения на тему',
    undoGone: 'Отменить отписку уже нельзя. Подписаться снова можно в настройках рассылок.',
    preferences: 'Настройки рассылок',
    everything: 'на все темы',
    channel_email: 'по электронной почте',
    channel_sms: 'по SMS',
    channel_voice: 'по телефону',
  },
  en: {
    title: 'Unsubscribe',
    hello: 'Hello',
    question: 'Do you want to stop receiving messages about',
    button: 'Unsubscribe',
    keep: 'If you changed your mind, just close this page — nothing will change.',
    doneTitle: 'You are unsubscribed',
    doneTopic: 'You will no longer receive messages about',
    doneAll: 'You will no longer receive any messages from us',
    undo: 'Undo',
    undoHelp: 'Unsubscribed by mistake? You can undo it for an hour.',
    undoneTitle: 'Your subscription is back',
    undoneBody: 'You will receive messages about',
    undoGone: 'This can no longer be undone. You can subscribe again in your preferences.',
    preferences: 'Your preferences',
    everything: 'every topic',
    channel_email: 'by e-mail',
    channel_sms: 'by SMS',
    channel_voice: 'by phone',
  },
};

export interface UnsubscribeTarget {
  link: LinkTokenPayload;
  lang: Lang;
  name: string | null;
}

/** What the unsubscribed page shows besides the scope. */
export interface DoneState {
  kind: 'done' | 'undone' | 'undo_gone';
  /** The undo form's field, while undo is possible. */
  undo?: string;
}

export interface RequestEvidence {
  ip: string | null;
  userAgent: string | null;
}

/** Finds `templates/` whether running from src (tests, ts-node) or from dist. */
function templatesDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'templates', 'pages');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('templates/pages not found');
    dir = up;
  }
}

/** One-click unsubscribe (RFC 8058) and its confirmation page; the ledger does the withdrawal. */
@Injectable()
export class UnsubscribeService {
  private page?: Handlebars.TemplateDelegate;

  constructor(
    private readonly tokens: LinkTokenService,
    private readonly consents: ConsentService,
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly preferences: PreferencesService,
    private readonly clock: Clock,
  ) {}

  /** The customer a genuine unsubscribe token names, or null (never says why). */
  async resolve(token: string): Promise<UnsubscribeTarget | null> {
    const link = this.tokens.verify(token, 'unsubscribe');
    if (!link || !UUID.test(link.customerId)) return null;
    const rows: { name: string | null; locale: string; erased_at: Date | null }[] =
      await this.dataSource.query(`SELECT name, locale, erased_at FROM customers WHERE id = $1`, [
        link.customerId,
      ]);
    if (!rows.length || rows[0].erased_at) return null;
    return {
      link,
      lang: rows[0].locale.toLowerCase().startsWith('ru') ? 'ru' : 'en',
      name: rows[0].name,
    };
  }

  /**
   * Withdraws exactly the scope the link names; repeating is harmless (the ledger keeps each).
   * Returns the undo field when a live consent of one topic was withdrawn (a '*' link, or one
   * already withdrawn, has nothing to undo).
   */
  async unsubscribe(
    target: UnsubscribeTarget,
    evidence: RequestEvidence,
    linkToken: string,
  ): Promise<string | undefined> {
    const { link } = target;
    return this.dataSource.transaction(async (m) => {
      const [before]: { status: string }[] = await m.query(CONSENT_STATUS, [
        link.customerId,
        link.channel,
        link.topic,
      ]);
      const recorded = await this.consents.withdraw(
        {
          customerId: link.customerId,
          channel: link.channel,
          topic: link.topic,
          source: FLOW_SOURCES.oneClick,
          actor: 'customer',
          evidence: { ip: evidence.ip, userAgent: evidence.userAgent, wording: null },
          data: link.deliveryId ? { deliveryId: link.deliveryId } : {},
        },
        m,
      );
      const previous = before?.status;
      if (link.topic === ALL_TOPICS || (previous !== 'granted' && previous !== 'confirmed'))
        return undefined;
      return undoTokenFor(this.settings.secret, linkToken, {
        previous,
        eventId: recorded.event.id,
        at: Math.floor(this.clock.now().getTime() / 1000),
      });
    });
  }

  /**
   * "Undo" within the hour: grants again exactly what the withdrawal took, as the customer's
   * action (with the undo button's words as the wording), but only while that withdrawal is
   * still the latest word on the scope. False for anything else, never saying why.
   */
  async undo(
    target: UnsubscribeTarget,
    linkToken: string,
    given: unknown,
    evidence: RequestEvidence,
  ): Promise<boolean> {
    const claim = readUndoToken(
      [this.settings.secret, ...(this.settings.previousSecrets ?? [])],
      linkToken,
      given,
      this.clock.now(),
    );
    const { link } = target;
    if (!claim || link.topic === ALL_TOPICS) return false;
    const t = TEXTS[target.lang];
    return this.dataSource.transaction(async (m) => {
      await m.query(LOCK_CUSTOMER, [link.customerId]);
      const [now]: { status: string; last_event_id: string }[] = await m.query(
        CONSENT_STATUS_AND_EVENT,
        [link.customerId, link.channel, link.topic],
      );
      if (now?.status !== 'withdrawn' || String(now.last_event_id) !== claim.eventId) return false;
      await this.consents.record(
        {
          customerId: link.customerId,
          channel: link.channel,
          topic: link.topic,
          action: 'grant',
          confirmed: claim.previous === 'confirmed',
          source: FLOW_SOURCES.unsubscribeUndo,
          actor: 'customer',
          evidence: {
            ip: evidence.ip,
            userAgent: evidence.userAgent,
            wording: `${t.undo}: ${t.undoHelp}`,
            wordingVersion: `unsubscribe-undo-1-${target.lang}`,
          },
          data: { undoes: claim.eventId },
        },
        m,
      );
      return true;
    });
  }

  /** The confirmation page (GET) or the page shown after the button was pressed (or undone). */
  async render(target: UnsubscribeTarget, action: string, done: DoneState | null): Promise<string> {
    const t = TEXTS[target.lang];
    const { link } = target;
    let topic: string | null = null;
    if (link.topic !== ALL_TOPICS) {
      const rows: { title: Record<string, string> }[] = await this.dataSource.query(
        `SELECT title FROM topics WHERE key = $1`,
        [link.topic],
      );
      const title = rows[0]?.title ?? {};
      topic = title[target.lang] ?? title.en ?? title.ru ?? link.topic;
    }
    const channel = t[`channel_${link.channel}`];
    this.page ??= Handlebars.compile(
      readFileSync(join(templatesDir(), 'unsubscribe.hbs'), 'utf8'),
      { strict: false, noEscape: false },
    );
    // Prettier's Handlebars printer drops the doctype, so it is written here.
    return (
      '<!doctype html>\n' +
      this.page({
        lang: target.lang,
        t,
        name: target.name,
        scope: topic === null ? `${t.everything} ${channel}` : `«${topic}» ${channel}`,
        doneBody:
          topic === null ? `${t.doneAll} ${channel}.` : `${t.doneTopic} «${topic}» ${channel}.`,
        undoneBody: `${t.undoneBody} «${topic}» ${channel}.`,
        action,
        done: done?.kind === 'done',
        undone: done?.kind === 'undone',
        undoGone: done?.kind === 'undo_gone',
        undo: done?.undo,
        undoAction: `${action}/undo`,
        showPreferences: done !== null,
        preferencesUrl: this.preferences.linkFor(link.customerId, link.channel),
        company: this.settings.company.name,
        address: this.settings.company.address,
      })
    );
  }
}
