import type { PageLang } from '../mail/system-mail';
import type { TopicTextsRow } from '../preferences/topic-texts';

export interface RequestEvidence {
  ip: string | null;
  userAgent: string | null;
}

/** A topic as the form and the confirmation e-mail need it. */
export interface TopicRow extends TopicTextsRow {
  archived_at: Date | null;
}

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

/** A kept request, as the confirmation link finds it. */
export interface RequestRow {
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
