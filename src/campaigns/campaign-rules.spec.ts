import { callableAudience, goalTopicProblem, noCallsWarning } from './campaign-rules';

describe('campaign rules', () => {
  it('matches service goals with service topics only', () => {
    expect(goalTopicProblem('care', 'care', 'service')).toBeNull();
    expect(goalTopicProblem('retention', 'tips', 'content')).toBeNull();
    expect(goalTopicProblem('winback', 'offers', 'promotional')).toBeNull();
    expect(goalTopicProblem('announcement', 'tips', 'content')).toMatch(/need a service topic/);
    expect(goalTopicProblem('engagement', 'care', 'service')).toMatch(/is a service topic/);
  });

  it('lists voice as a preference: callers are counted, not refused', () => {
    const audience = { field: 'locale', op: 'eq', value: 'ru' };
    expect(callableAudience(audience, 'offers').all).toEqual([
      audience,
      { field: 'kind', op: 'eq', value: 'business' },
      { field: 'hasPhone', op: 'eq', value: true },
      { field: 'hasAccountManagerPhone', op: 'eq', value: true },
      { field: 'subscribedTo.voice', op: 'eq', value: 'offers' },
    ]);
    expect(noCallsWarning(['email', 'sms'], 0)).toBeNull();
    expect(noCallsWarning(['voice', 'email'], 3)).toBeNull();
    expect(noCallsWarning(['voice', 'email'], 0)).toMatch(
      /^channels: voice is listed but no business contact/,
    );
  });
});
