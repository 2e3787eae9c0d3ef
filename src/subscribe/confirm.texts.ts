import type { PageLang } from '../mail/system-mail';

export const CONFIRM_TEXTS: Record<PageLang, Record<string, string>> = {
  ru: {
    title: 'Спасибо, подписка подтверждена',
    body: 'Теперь мы будем присылать вам письма на темы:',
    preferences: 'Выбрать темы, частоту или отписаться',
    preferencesHint: 'Изменить настройки или отписаться можно в любой момент.',
  },
  en: {
    title: 'Thank you, your subscription is confirmed',
    body: 'From now on we will send you e-mail about:',
    preferences: 'Choose topics, frequency, or unsubscribe',
    preferencesHint: 'You can change your settings or unsubscribe at any time.',
  },
};
