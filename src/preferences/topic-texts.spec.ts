import { cadenceText, localized } from './topic-texts';

describe('topic texts', () => {
  it('names common cadences in both languages and falls back to a day count', () => {
    expect(cadenceText(30, 'ru')).toBe('раз в месяц');
    expect(cadenceText(30, 'en')).toBe('monthly');
    expect(cadenceText(10, 'en')).toBe('every 10 days');
    expect(cadenceText(null, 'ru')).toBeNull();
  });

  it('falls back to another language when the page language has no text', () => {
    expect(localized({ ru: 'Советы' }, 'en')).toBe('Советы');
    expect(localized({ ru: 'Советы', en: 'Tips' }, 'en')).toBe('Tips');
    expect(localized({}, 'ru')).toBe('');
  });
});
