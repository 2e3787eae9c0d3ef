import { parseDay, parsePreferenceForm, type FormContext } from './preference-form';

const ctx: FormContext = {
  lang: 'en',
  timezone: 'Europe/Moscow',
  now: new Date('2026-11-23T10:00:00Z'),
  pairs: [
    { topic: 'tips', channel: 'email' },
    { topic: 'offers', channel: 'email' },
    { topic: 'tips', channel: 'sms' },
  ],
  reachable: ['email', 'sms'],
};

const base = {
  shown: ['topic:tips:email', 'topic:offers:email', 'topic:tips:sms'],
  'channel:email': 'on',
  'channel:sms': 'on',
};

describe('parsePreferenceForm', () => {
  it('reads checked and unchecked topics, channels, frequency and pause', () => {
    const r = parsePreferenceForm(
      { ...base, 'topic:tips:email': 'on', maxFrequency: 'quarter', pausedUntil: '2027-01-15' },
      ctx,
    );
    if (!r.ok) throw new Error(r.errors.join());
    expect([...r.choices.topics]).toEqual([
      ['tips:email', true],
      ['offers:email', false],
      ['tips:sms', false],
    ]);
    expect(r.choices.channels).toEqual([]); // every channel checked = no restriction
    expect(r.choices.maxFrequency).toBe('quarter');
    // Midnight in Moscow (UTC+3).
    expect(r.choices.pausedUntil?.toISOString()).toBe('2027-01-14T21:00:00.000Z');
  });

  it('changes only pairs the page showed and knows', () => {
    const r = parsePreferenceForm(
      { ...base, shown: ['topic:tips:email', 'topic:unknown:email'], 'topic:offers:email': 'on' },
      ctx,
    );
    if (!r.ok) throw new Error(r.errors.join());
    expect([...r.choices.topics]).toEqual([['tips:email', false]]);
  });

  it('keeps a subset of channels as the preferred list', () => {
    const r = parsePreferenceForm({ ...base, 'channel:sms': undefined }, ctx);
    expect(r.ok && r.choices.channels).toEqual(['email']);
  });

  it('names the field of every bad value', () => {
    const r = parsePreferenceForm(
      { shown: [], maxFrequency: 'weekly', pausedUntil: '2027-02-30' },
      ctx,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(3);
    expect(r.errors[0]).toMatch(/\(channels\)/);
    expect(r.errors[1]).toMatch(/\(maxFrequency\)/);
    expect(r.errors[2]).toMatch(/\(pausedUntil\).*2027-02-30/);
  });

  it('refuses a pause in the past or too far ahead, in Russian on a Russian page', () => {
    const past = parsePreferenceForm(
      { ...base, pausedUntil: '23.11.2026' },
      { ...ctx, lang: 'ru' },
    );
    expect(past.ok === false && past.errors[0]).toMatch(
      /^Пауза до \(pausedUntil\): дата должна быть в будущем/,
    );
    const far = parsePreferenceForm({ ...base, pausedUntil: '2099-01-01' }, ctx);
    expect(far.ok === false && far.errors[0]).toMatch(/at most two years/);
  });

  it('parses both date spellings and refuses other text', () => {
    expect(parseDay('2027-01-05', 'UTC')?.toISODate()).toBe('2027-01-05');
    expect(parseDay('5.1.2027', 'UTC')?.toISODate()).toBe('2027-01-05');
    expect(parseDay('next friday', 'UTC')).toBeNull();
    expect(parseDay('2027-13-01', 'UTC')).toBeNull();
  });
});
