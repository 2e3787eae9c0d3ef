import { langOf, renderSystemMail, type SystemMail } from '../mail/system-mail';
import type { OpenedRow } from './follow-ups.sql';
import { reasonWords } from './follow-up-reasons';

/**
 * Who hears of a customer waiting: a business contact's account manager when they have an
 * e-mail, else the support address (REPLY_TO); null when there is no one.
 */
export function noticeRecipient(
  row: Pick<OpenedRow, 'kind' | 'account_manager_email'>,
  supportAddress: string | undefined,
): string | null {
  if (row.kind === 'business' && row.account_manager_email) return row.account_manager_email;
  return supportAddress ?? null;
}

/** How a customer is named to staff: their name, or that they have none. */
export const customerLabel = (name: string | null, lang: 'ru' | 'en'): string =>
  name ?? (lang === 'ru' ? 'Клиент без имени' : 'A customer without a name');

/** The e-mail to the person who answers: who, why, and the customer's console page. */
export function noticeMail(
  row: Pick<OpenedRow, 'customer_id' | 'name' | 'company' | 'locale' | 'reasons'>,
  publicUrl: string,
): SystemMail {
  const lang = langOf(row.locale);
  return renderSystemMail('follow-up', lang, {
    name: customerLabel(row.name, lang),
    company: row.company,
    reason: reasonWords(lang, row.reasons),
    link: `${publicUrl}/console/customers/${row.customer_id}`,
  });
}
