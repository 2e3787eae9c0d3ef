import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { SETTINGS } from '../common/tokens';
import type { Settings } from '../config/settings';
import { formatDayTime } from './sentence-dates';
import type { TimelineLocale } from './sentence-words';
import { timelineLocale } from './timeline.service';
import { notFound } from '../common/domain-error';

/** Delivery statuses of a message that was handed to a provider. */
export const SENT_STATUSES = ['sent', 'delivered', 'bounced', 'complained', 'unknown'];

export interface ConsentProof {
  id: string;
  channel: string;
  topic: string;
  action: 'grant' | 'confirm' | 'withdraw';
  source: string;
  confirmed: boolean;
  occurredAt: Date;
  recordedAt: Date;
  ip: string | null;
  userAgent: string | null;
  /** Null once an erasure blanked a wording that quoted the person or was theirs alone. */
  wording: string | null;
  /** sha256 of the wording shown: still proves the text after its erasure. */
  wordingHash: string | null;
  wordingVersion: string | null;
  actor: string;
  data: Record<string, unknown>;
}

export interface MessageProof {
  deliveryId: string;
  campaignId: string;
  campaignName: string | null;
  step: number;
  channel: string;
  topic: string;
  category: string;
  status: string;
  templateName: string;
  templateVersion: number;
  policyVersion: number;
  contentHash: string | null;
  /** Whether the rendered content is still kept (it is purged after the retention period). */
  contentRetained: boolean;
  providerId: string | null;
  plannedAt: Date;
  sentAt: Date | null;
  finishedAt: Date | null;
  /** The consent_events row the decision relied on (promise 7); null for service messages. */
  consent: ConsentProof | null;
}

export interface EvidenceBundle {
  generatedAt: Date;
  company: { name: string; address: string };
  customer: {
    id: string;
    externalId: string;
    kind: string;
    name: string | null;
    email: string | null;
    phone: string | null;
    locale: string;
    timezone: string;
    erasedAt: Date | null;
  };
  consents: ConsentProof[];
  withdrawals: ConsentProof[];
  currentState: {
    channel: string;
    topic: string;
    status: string;
    since: Date;
    lastEventId: string;
  }[];
  messages: MessageProof[];
}

interface ConsentRow {
  id: string;
  channel: string;
  topic: string;
  action: ConsentProof['action'];
  source: string;
  confirmed: boolean;
  occurred_at: Date;
  recorded_at: Date;
  ip: string | null;
  user_agent: string | null;
  wording: string | null;
  wording_hash: string | null;
  wording_version: string | null;
  actor: string;
  data: Record<string, unknown>;
}

const toProof = (r: ConsentRow): ConsentProof => ({
  id: String(r.id),
  channel: r.channel,
  topic: r.topic,
  action: r.action,
  source: r.source,
  confirmed: r.confirmed,
  occurredAt: r.occurred_at,
  recordedAt: r.recorded_at,
  ip: r.ip,
  userAgent: r.user_agent,
  wording: r.wording,
  wordingHash: r.wording_hash,
  wordingVersion: r.wording_version,
  actor: r.actor,
  data: r.data,
});

/** The consent proof bundle: what the customer agreed to, and what was sent on its strength. */
@Injectable()
export class EvidenceService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async bundle(customerId: string): Promise<EvidenceBundle> {
    const [c] = await this.dataSource.query(
      `SELECT id, external_id, kind, name, email, phone, locale, timezone, erased_at
         FROM customers WHERE id = $1`,
      [customerId],
    );
    if (!c) throw notFound([`customer ${customerId} not found`]);
    const ledger: ConsentRow[] = await this.dataSource.query(
      `SELECT e.id::text, e.channel, e.topic, e.action, e.source, e.confirmed, e.occurred_at,
              e.recorded_at, host(e.ip) AS ip, e.user_agent, w.wording, e.wording_hash,
              e.wording_version, e.actor, e.data
         FROM consent_events e LEFT JOIN consent_wordings w ON w.hash = e.wording_hash
        WHERE e.customer_id = $1 ORDER BY e.id`,
      [customerId],
    );
    const state = await this.dataSource.query(
      `SELECT channel, topic, status, since, last_event_id::text AS last_event_id
         FROM consent_state WHERE customer_id = $1 ORDER BY channel, topic`,
      [customerId],
    );
    const deliveries = await this.dataSource.query(
      `SELECT d.id, d.campaign_id, c.name AS campaign_name, d.step, d.channel, d.topic, d.category,
              d.status, d.template_name, d.template_version, d.policy_version, d.content_hash,
              d.provider_id, d.planned_at, d.sent_at, d.finished_at,
              d.consent_event_id::text AS consent_event_id,
              (ac.content IS NOT NULL) AS content_retained
         FROM deliveries d
         LEFT JOIN campaigns c ON c.id = d.campaign_id
         LEFT JOIN audit_content ac ON ac.delivery_id = d.id
        WHERE d.customer_id = $1 AND d.status = ANY($2::text[])
        ORDER BY d.sent_at NULLS LAST, d.planned_at, d.id`,
      [customerId, SENT_STATUSES],
    );
    const consents = ledger.map(toProof);
    const byId = new Map(consents.map((e) => [e.id, e]));
    return {
      generatedAt: this.clock.now(),
      company: this.settings.company,
      customer: {
        id: c.id,
        externalId: c.external_id,
        kind: c.kind,
        name: c.name,
        email: c.email,
        phone: c.phone,
        locale: c.locale,
        timezone: c.timezone,
        erasedAt: c.erased_at,
      },
      consents,
      withdrawals: consents.filter((e) => e.action === 'withdraw'),
      currentState: state.map(
        (s: {
          channel: string;
          topic: string;
          status: string;
          since: Date;
          last_event_id: string;
        }) => ({
          channel: s.channel,
          topic: s.topic,
          status: s.status,
          since: s.since,
          lastEventId: s.last_event_id,
        }),
      ),
      messages: deliveries.map((d: Record<string, unknown>): MessageProof => ({
        deliveryId: d.id as string,
        campaignId: d.campaign_id as string,
        campaignName: (d.campaign_name as string | null) ?? null,
        step: d.step as number,
        channel: d.channel as string,
        topic: d.topic as string,
        category: d.category as string,
        status: d.status as string,
        templateName: d.template_name as string,
        templateVersion: d.template_version as number,
        policyVersion: d.policy_version as number,
        contentHash: (d.content_hash as string | null) ?? null,
        contentRetained: d.content_retained as boolean,
        providerId: (d.provider_id as string | null) ?? null,
        plannedAt: d.planned_at as Date,
        sentAt: (d.sent_at as Date | null) ?? null,
        finishedAt: (d.finished_at as Date | null) ?? null,
        consent: d.consent_event_id ? (byId.get(d.consent_event_id as string) ?? null) : null,
      })),
    };
  }

  /** A printable page of the bundle; every value is HTML-escaped. */
  html(b: EvidenceBundle, requested?: 'ru' | 'en'): string {
    const locale = timelineLocale(requested, b.customer.locale);
    const L = LABELS[locale];
    const ctx = { locale, zone: b.customer.timezone };
    const when = (d: Date | null) => (d ? formatDayTime(new Date(d).toISOString(), ctx) : '—');
    const cell = (v: unknown) =>
      `<td>${v === null || v === undefined || v === '' ? '—' : esc(String(v))}</td>`;
    // An erased wording still shows which text it was: its sha256.
    const wordingCell = (e: ConsentProof | null | undefined) =>
      e?.wording
        ? `<td class="wording">“${esc(e.wording)}”</td>`
        : e?.wordingHash
          ? `<td class="wording">sha256 ${esc(e.wordingHash)}</td>`
          : '<td class="wording">—</td>';
    const consentRows = (list: ConsentProof[]) =>
      list
        .map(
          (e) =>
            `<tr>${cell(e.id)}${cell(when(e.occurredAt))}${cell(L.actions[e.action])}${cell(e.channel)}${cell(
              e.topic === '*' ? L.allTopics : e.topic,
            )}${cell(e.source)}${wordingCell(e)}${cell(
              e.wordingVersion,
            )}${cell(e.ip)}${cell(e.userAgent)}${cell(e.actor)}</tr>`,
        )
        .join('\n');
    const consentHead = `<tr><th>#</th><th>${L.time}</th><th>${L.action}</th><th>${L.channel}</th><th>${L.topic}</th><th>${L.source}</th><th>${L.wording}</th><th>${L.version}</th><th>IP</th><th>${L.userAgent}</th><th>${L.actor}</th></tr>`;
    const messageRows = b.messages
      .map(
        (m) =>
          `<tr>${cell(when(m.sentAt ?? m.plannedAt))}${cell(m.campaignName ?? m.campaignId)}${cell(m.channel)}${cell(
            m.topic,
          )}${cell(m.status)}${cell(`${m.templateName} v${m.templateVersion}`)}${cell(m.policyVersion)}${cell(
            m.consent
              ? `#${m.consent.id} (${m.consent.source}, ${m.consent.wordingVersion ?? '—'})`
              : L.noConsentNeeded,
          )}${wordingCell(m.consent)}${cell(m.contentHash)}${cell(m.deliveryId)}</tr>`,
      )
      .join('\n');
    const c = b.customer;
    return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(L.title)} — ${esc(c.externalId)}</title>
<style>
body { font: 12px/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 18px; } h2 { font-size: 14px; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 3px 5px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.wide { overflow-x: auto; }
th { background: #eee; } td.wording { font-style: italic; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 1em; }
dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 600px) { body { margin: 1em; } }
@media print { body { margin: 0; } tr { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>${esc(L.title)}</h1>
<p>${esc(b.company.name)}, ${esc(b.company.address)}. ${esc(L.generated)}: ${esc(when(b.generatedAt))} (${esc(c.timezone)})</p>
<h2>${esc(L.customer)}</h2>
<dl>
<dt>ID</dt><dd>${esc(c.id)}</dd>
<dt>${esc(L.externalId)}</dt><dd>${esc(c.externalId)}</dd>
<dt>${esc(L.name)}</dt><dd>${esc(c.name ?? '—')}</dd>
<dt>E-mail</dt><dd>${esc(c.email ?? '—')}</dd>
<dt>${esc(L.phone)}</dt><dd>${esc(c.phone ?? '—')}</dd>
${c.erasedAt ? `<dt>${esc(L.erased)}</dt><dd>${esc(when(c.erasedAt))}</dd>` : ''}
</dl>
<h2>${esc(L.consents)} (${b.consents.length})</h2>
<div class="wide"><table>${consentHead}
${consentRows(b.consents)}
</table></div>
<h2>${esc(L.withdrawals)} (${b.withdrawals.length})</h2>
<div class="wide"><table>${consentHead}
${consentRows(b.withdrawals)}
</table></div>
<h2>${esc(L.messages)} (${b.messages.length})</h2>
<div class="wide"><table><tr><th>${L.time}</th><th>${L.campaign}</th><th>${L.channel}</th><th>${L.topic}</th><th>${L.status}</th><th>${L.template}</th><th>${L.policy}</th><th>${L.consentRelied}</th><th>${L.wording}</th><th>${L.contentHash}</th><th>${L.delivery}</th></tr>
${messageRows}
</table></div>
</body>
</html>
`;
  }
}

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const EN = {
  title: 'Consent evidence',
  generated: 'Generated',
  customer: 'Customer',
  externalId: 'External id',
  name: 'Name',
  phone: 'Phone',
  erased: 'Personal data erased',
  consents: 'Consent ledger',
  withdrawals: 'Withdrawals',
  messages: 'Messages sent',
  time: 'Time',
  action: 'Action',
  channel: 'Channel',
  topic: 'Topic',
  source: 'Source',
  wording: 'Wording shown',
  version: 'Wording version',
  userAgent: 'User agent',
  actor: 'Actor',
  campaign: 'Campaign',
  status: 'Status',
  template: 'Template',
  policy: 'Policy version',
  consentRelied: 'Consent relied on',
  contentHash: 'Content hash',
  delivery: 'Delivery',
  allTopics: 'all topics',
  noConsentNeeded: 'service message',
  actions: { grant: 'granted', confirm: 'confirmed', withdraw: 'withdrawn' },
};

const RU: typeof EN = {
  title: 'Доказательства согласия',
  generated: 'Сформировано',
  customer: 'Клиент',
  externalId: 'Внешний id',
  name: 'Имя',
  phone: 'Телефон',
  erased: 'Персональные данные удалены',
  consents: 'Журнал согласий',
  withdrawals: 'Отзывы согласия',
  messages: 'Отправленные сообщения',
  time: 'Время',
  action: 'Действие',
  channel: 'Канал',
  topic: 'Тема',
  source: 'Источник',
  wording: 'Показанный текст',
  version: 'Версия текста',
  userAgent: 'User agent',
  actor: 'Кто',
  campaign: 'Кампания',
  status: 'Статус',
  template: 'Шаблон',
  policy: 'Версия политики',
  consentRelied: 'Основание (согласие)',
  contentHash: 'Хеш содержимого',
  delivery: 'Доставка',
  allTopics: 'все темы',
  noConsentNeeded: 'сервисное сообщение',
  actions: { grant: 'дано', confirm: 'подтверждено', withdraw: 'отозвано' },
};

const LABELS: Record<TimelineLocale, typeof EN> = { en: EN, ru: RU };
