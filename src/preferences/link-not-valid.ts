import type { Request, Response } from 'express';
import type { Settings } from '../config/settings';
import type { PageLang } from '../mail/system-mail';
import { renderPage, sendPage } from './pages';

const TEXTS: Record<PageLang, Record<string, string>> = {
  en: {
    title: 'This link no longer works',
    body: 'It may be out of date, or it was copied only in part. Nothing was changed.',
    ask: 'Enter your e-mail address and we will send you a fresh link to your preferences.',
    email: 'E-mail address',
    button: 'Send me a fresh link',
    sent: 'If this address is on file with us, a fresh link is on its way. It works for a year.',
    invalid: 'Enter an e-mail address such as name@example.com.',
  },
  ru: {
    title: 'Эта ссылка больше не работает',
    body: 'Возможно, она устарела или скопирована не полностью. Ничего не изменилось.',
    ask: 'Укажите адрес электронной почты — мы пришлём новую ссылку на ваши настройки рассылок.',
    email: 'Адрес электронной почты',
    button: 'Прислать новую ссылку',
    sent: 'Если этот адрес у нас есть, новая ссылка уже в пути. Она действует год.',
    invalid: 'Укажите адрес электронной почты, например name@example.ru.',
  },
};

/** The page's language from Accept-Language: Russian when ru comes before en, else English. */
export function pageLangOf(acceptLanguage: string | undefined): PageLang {
  const ranked = (acceptLanguage ?? '')
    .slice(0, 500)
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.q > 0 && /^(ru|en)(-|$)/.test(x.tag))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.tag.startsWith('ru') ? 'ru' : 'en';
}

export type LinkNotValidState = 'ask' | 'sent' | 'invalid';

/**
 * The page for every bad public link (forged, altered, expired, unknown): the same for all of
 * them, in the reader's language, with a way forward (a fresh preference link by e-mail).
 * Other public routes (a bad click token, say) call `sendLinkNotValid` too.
 */
export function linkNotValidHtml(
  lang: PageLang,
  company: Settings['company'],
  state: LinkNotValidState = 'ask',
): string {
  return renderPage('link-not-valid', {
    lang,
    t: TEXTS[lang],
    company,
    sent: state === 'sent',
    invalid: state === 'invalid',
    ariaInvalid: state === 'invalid' ? 'true' : 'false',
  });
}

/** Sends the "link not valid" page (404 unless told) in the language the request asks for. */
export function sendLinkNotValid(
  req: Request,
  res: Response,
  company: Settings['company'],
  state: LinkNotValidState = 'ask',
  status = 404,
): void {
  sendPage(res, status, linkNotValidHtml(pageLangOf(req.get('accept-language')), company, state));
}
