import { readsAsComplaint } from './sms-complaint';

describe('readsAsComplaint', () => {
  it.each([
    'Это ужасно, заказ пришёл сломанным',
    'Хочу оставить жалобу',
    'Верните деньги!',
    'Очень недовольна доставкой',
    'ПОЖАЛУЮСЬ в Роспотребнадзор',
    'The boots are broken, I want a refund',
    'Terrible service',
    "The app doesn't work",
    'I am disappointed',
    'stop texting me',
  ])('%s is a complaint', (text) => expect(readsAsComplaint(text)).toBe(true));

  it.each([
    'Спасибо, всё отлично!',
    'Когда будет доставка?',
    'Thanks, see you soon',
    'What time do you open?',
    'Работаете ли вы в субботу?',
    '',
  ])('%s is not', (text) => expect(readsAsComplaint(text)).toBe(false));
});
