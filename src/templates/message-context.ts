import { lifecycleStage } from '../customers/lifecycle';
import type { TemplateContext } from './template-context';
import { deliveryReason, type ReasonCategory } from './why-you-get-this';

/** The customer columns a template context is made of. */
export type CustomerValues = Omit<TemplateContext['customer'], 'lifecycleStage' | 'attributes'> & {
  attributes: Record<string, unknown> | null;
  purchase_count: number;
  last_purchase_at: Date | null;
};

/** A customer as every template sees it: the lifecycle stage as of `now`. */
export function templateCustomer(c: CustomerValues, now: Date): TemplateContext['customer'] {
  return {
    name: c.name,
    email: c.email,
    phone: c.phone,
    company: c.company,
    locale: c.locale,
    timezone: c.timezone,
    lifecycleStage: lifecycleStage(
      { purchaseCount: c.purchase_count, lastPurchaseAt: c.last_purchase_at },
      now,
    ),
    attributes: c.attributes ?? {},
  };
}

/** A campaign's customer-facing words per locale (announcements). */
export type CampaignTexts = Record<string, { title: string; summary: string }>;

/**
 * The words for a customer's locale: the locale itself, its language, English, then any; the
 * campaign's name when there are none.
 */
export function campaignTexts(
  texts: CampaignTexts | null | undefined,
  locale: string,
  name: string,
): { title: string; summary: string } {
  const lang = locale.toLowerCase().split('-')[0];
  const found =
    texts?.[locale] ?? texts?.[lang] ?? texts?.en ?? Object.values(texts ?? {})[0] ?? null;
  // Campaigns launched before announcements had their own words keep showing the name.
  return found ? { title: found.title, summary: found.summary } : { title: name, summary: name };
}

/** What a campaign delivery knows when its message is rendered. */
export interface DeliveryMessage {
  customer: CustomerValues;
  company: TemplateContext['company'];
  campaign: {
    name: string;
    goal: string;
    effectiveAt: Date | null;
    announcement?: CampaignTexts | null;
  };
  category: ReasonCategory;
  topic: { key: string; title: Record<string, string> | null };
  links: TemplateContext['links'];
  now: Date;
}

/** The context a campaign delivery is rendered with, its reason in the customer's language. */
export function deliveryContext(d: DeliveryMessage): TemplateContext {
  return {
    customer: templateCustomer(d.customer, d.now),
    company: { ...d.company },
    campaign: {
      name: d.campaign.name,
      topic: d.topic.key,
      goal: d.campaign.goal,
      effectiveAt: d.campaign.effectiveAt,
      ...campaignTexts(d.campaign.announcement, d.customer.locale, d.campaign.name),
    },
    links: d.links,
    now: d.now,
    reason: deliveryReason(d.customer.locale, d.category, d.topic, d.company.name),
  };
}

const SAMPLE_CUSTOMERS: Record<string, TemplateContext['customer']> = {
  ru: {
    name: 'Анна Петрова',
    email: 'anna@example.ru',
    phone: '+79161234567',
    company: null,
    locale: 'ru',
    timezone: 'Europe/Moscow',
    lifecycleStage: 'active',
    attributes: { city: 'Казань' },
  },
  en: {
    name: 'Emma Clarke',
    email: 'emma@example.com',
    phone: '+447700900123',
    company: null,
    locale: 'en',
    timezone: 'Europe/London',
    lifecycleStage: 'active',
    attributes: { city: 'Leeds' },
  },
};

/** Built-in sample customers for previews, one per language (others use the English one). */
export const sampleCustomer = (locale: string): TemplateContext['customer'] =>
  SAMPLE_CUSTOMERS[locale.toLowerCase().split('-')[0]] ?? {
    ...SAMPLE_CUSTOMERS.en,
    locale,
  };

/** Announcements need a date; the sample one is 30 days ahead. */
const SAMPLE_EFFECTIVE_IN_MS = 30 * 86_400_000;

/**
 * The context of a sample render (preview, save-time warnings, a campaign's content check): the
 * sample customer of the locale unless a real one is given, placeholder links, and the campaign's
 * values where known.
 */
export function sampleContext(s: {
  locale: string;
  now: Date;
  company: TemplateContext['company'];
  publicUrl: string;
  /** The last path segment of the placeholder links. */
  linkToken: 'preview' | 'sample';
  campaign: {
    name: string;
    topic?: string;
    goal?: string | null;
    effectiveAt?: Date | string | null;
    announcement?: CampaignTexts | null;
  };
  customer?: TemplateContext['customer'] | null;
  reason?: string | null;
}): TemplateContext {
  return {
    customer: s.customer ?? sampleCustomer(s.locale),
    company: s.company,
    campaign: {
      name: s.campaign.name,
      topic: s.campaign.topic ?? '',
      goal: s.campaign.goal ?? null,
      effectiveAt: s.campaign.effectiveAt ?? new Date(s.now.getTime() + SAMPLE_EFFECTIVE_IN_MS),
      ...campaignTexts(s.campaign.announcement, s.locale, s.campaign.name),
    },
    links: {
      unsubscribe: `${s.publicUrl}/u/${s.linkToken}`,
      preferences: `${s.publicUrl}/p/${s.linkToken}`,
    },
    now: s.now,
    reason: s.reason ?? null,
  };
}
