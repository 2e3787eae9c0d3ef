import { searchByOf, searchChoices, timelineRow } from './customer-page.presenter';
import { TEXTS } from './texts';

describe('console customer pages presenter', () => {
  it('searches by a known field only, email otherwise', () => {
    expect(searchByOf('phone')).toBe('phone');
    expect(searchByOf(['externalId', 'phone'])).toBe('externalId');
    for (const raw of [undefined, '', 'Phone', 'phone\u0000', 'constructor', 42])
      expect(searchByOf(raw)).toBe('email');
  });

  it('offers every search field, the chosen one selected', () => {
    const t = TEXTS.ru;
    expect(searchChoices(t, 'phone')).toEqual([
      { value: 'email', label: t.by_email, selected: false },
      { value: 'phone', label: t.by_phone, selected: true },
      { value: 'externalId', label: t.by_externalId, selected: false },
    ]);
  });

  it('dates timeline entries in UTC and marks skips', () => {
    const at = new Date('2026-07-08T09:10:00Z');
    expect(timelineRow({ at, type: 'decision.skip', id: '1' }, 'en')).toEqual({
      at,
      type: 'decision.skip',
      id: '1',
      when: '8 Jul 2026, 09:10 (UTC)',
      isSkip: true,
    });
    expect(timelineRow({ at, type: 'decision.send' }, 'en').isSkip).toBe(false);
  });
});
