import type { FooterTexts } from './template-files';

/** The categories of a message, as the reason tells them apart. */
export type ReasonCategory = 'content' | 'promotional' | 'service';

/**
 * Why a customer gets a campaign message (shown in the e-mail footer), by the delivery's category;
 * Russian for a Russian customer, else English.
 */
const DELIVERY_REASON: Record<'ru' | 'en', Record<ReasonCategory, string>> = {
  en: {
    content: 'You receive this because you subscribed to “{topic}” from {company}.',
    promotional: 'You receive this because you agreed to receive “{topic}” from {company}.',
    service: 'This is a service message from {company} about your purchases with us.',
  },
  ru: {
    content:
      'Вы получили это сообщение, потому что подписались на рассылку «{topic}» от {company}.',
    promotional:
      'Вы получили это сообщение, потому что согласились получать «{topic}» от {company}.',
    service: 'Это служебное сообщение от {company} о ваших покупках у нас.',
  },
};

/** The reason the sender gives for one delivery; the topic title in the customer's language. */
export function deliveryReason(
  customerLocale: string | null,
  category: ReasonCategory,
  topic: { key: string; title: Record<string, string> | null },
  company: string,
): string {
  const lang = customerLocale?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
  const title = topic.title?.[lang] ?? topic.title?.en ?? topic.key;
  return DELIVERY_REASON[lang][category].replace('{topic}', title).replace('{company}', company);
}

/**
 * The footer's own reason when the caller gave none: from the topic when the template names one
 * (`templates/layouts/footer.json`), else as a customer of the company.
 */
export function footerReason(
  texts: FooterTexts,
  locale: string,
  topic: { key: string; category: string; title: Record<string, string> } | null,
  company: string,
): string {
  let reason = texts.reasonCustomer;
  if (topic) {
    const lang = locale.toLowerCase().split('-')[0];
    const title = topic.title[locale] ?? topic.title[lang] ?? topic.title.en ?? topic.key;
    reason = (topic.category === 'service' ? texts.reasonService : texts.reasonSubscribed).replace(
      '{topic}',
      title,
    );
  }
  return reason.replace('{company}', company);
}
