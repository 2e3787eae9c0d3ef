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

export const ONE_CLICK_DONE_TEXT = 'Unsubscribed.\n';

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
    doneBody: 'Мы больше не будем присылать вам эти письма.',
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
    doneBody: 'We will not send you these messages any more.',
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

  /** Withdraws exactly the scope the link names; repeating is harmless (the ledger keeps each). */
  async unsubscribe(target: UnsubscribeTarget, evidence: RequestEvidence): Promise<void> {
    const { link } = target;
    await this.consents.withdraw({
      customerId: link.customerId,
      channel: link.channel,
      topic: link.topic,
      source: FLOW_SOURCES.oneClick,
      actor: 'customer',
      evidence: { ip: evidence.ip, userAgent: evidence.userAgent, wording: null },
      data: link.deliveryId ? { deliveryId: link.deliveryId } : {},
    });
  }

  /** The confirmation page (GET) or the page shown after the button was pressed. */
  async render(target: UnsubscribeTarget, action: string, done: boolean): Promise<string> {
    const t = TEXTS[target.lang];
    const { link } = target;
    let topic = t.everything;
    if (link.topic !== ALL_TOPICS) {
      const rows: { title: Record<string, string> }[] = await this.dataSource.query(
        `SELECT title FROM topics WHERE key = $1`,
        [link.topic],
      );
      const title = rows[0]?.title ?? {};
      topic = title[target.lang] ?? title.en ?? title.ru ?? link.topic;
    }
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
        scope: `«${topic}» ${t[`channel_${link.channel}`]}`,
        action,
        done,
        company: this.settings.company.name,
        address: this.settings.company.address,
      })
    );
  }
}
