import { deliveryStatusLabel, eventTypeLabel, kindLabel, localeLabel } from './labels';

describe('console keys in words', () => {
  it('translates step and delivery statuses in Russian, keeps English readable', () => {
    expect(deliveryStatusLabel('ru', 'pending')).toBe('ожидает');
    expect(deliveryStatusLabel('ru', 'planned')).toBe('запланировано');
    expect(deliveryStatusLabel('ru', 'delivered')).toBe('доставлено');
    expect(deliveryStatusLabel('en', 'complained')).toBe('complaint');
    expect(deliveryStatusLabel('en', 'soft_bounce')).toBe('soft bounce');
    expect(deliveryStatusLabel('ru', null)).toBe('—');
  });

  it('names kinds and locales', () => {
    expect(kindLabel('ru', 'business')).toBe('деловой контакт');
    expect(kindLabel('ru', 'consumer')).toBe('покупатель');
    expect(localeLabel('ru', 'ru')).toBe('русский');
    expect(localeLabel('ru', 'en')).toBe('английский');
    expect(localeLabel('en', 'ru')).toBe('Russian');
    expect(localeLabel('en', '!!')).toBe('!!');
  });

  it('reads audit event types', () => {
    expect(eventTypeLabel('ru', 'campaign.launched')).toBe('кампания: запущена');
    expect(eventTypeLabel('ru', 'delivery.soft_bounce')).toBe('доставка: временный отказ');
    expect(eventTypeLabel('en', 'consent.confirmation_requested')).toBe(
      'consent confirmation requested',
    );
    expect(eventTypeLabel('ru', 'mystery.thing')).toBe('mystery.thing');
  });
});
