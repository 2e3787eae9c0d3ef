import type { PageLang } from '../mail/system-mail';

export const CONFIRM_TEXTS: Record<PageLang, Record<string, string>> = {
  ru: {
    askTitle: 'Подтвердите подписку',
    askBody: 'Вы просили присылать вам письма на темы:',
    askHint:
      'Нажмите кнопку, чтобы подписка началась. Если вы не подписывались, просто закройте страницу.',
    button: 'Подтвердить подписку',
    title: 'Спасибо, подписка подтверждена',
    body: 'Теперь мы будем присылать вам письма на темы:',
    preferences: 'Выбрать темы, частоту или отписаться',
    preferencesHint: 'Изменить настройки или отписаться можно в любой момент.',
  },
  en: {
    askTitle: 'Please confirm your subscription',
    askBody: 'You asked us to send you e-mail about:',
    askHint:
      'Press the button to start your subscription. If you did not subscribe, just close this page.',
    button: 'Confirm my subscription',
    title: 'Thank you, your subscription is confirmed',
    body: 'From now on we will send you e-mail about:',
    preferences: 'Choose topics, frequency, or unsubscribe',
    preferencesHint: 'You can change your settings or unsubscribe at any time.',
  },
};
